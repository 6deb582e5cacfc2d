// Pages over several run reports: index.html for a folder of reports (every run, its verdict, links to
// it and to the comparison of its buggy and fixed variants), and a comparison page that lays two runs side
// by side (the buggy one beside the fixed one), each as a compact timeline with its start-up folded.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactRows, esc, reportFileName, runOfReport, safeName, simTime, verdictText, type CompactRow, type RunReport } from './report.ts';

const css = `
:root{--ink:#1f2430;--muted:#6b7280;--line:#e3e6eb;--bad:#c62828;--badbg:#fdecec;--good:#1a7f37;--mono:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;--sans:system-ui,"DejaVu Sans",sans-serif}
body{margin:0;background:#f7f8fa;color:var(--ink);font:13px/1.45 var(--sans)}
header{padding:14px 24px;background:#fff;border-bottom:1px solid var(--line)}h1{margin:0;font:600 18px var(--mono)}
a{color:#2f5fb3;text-decoration:none}a:hover{text-decoration:underline}
table{border-collapse:collapse;font:12px/1.4 var(--mono)}td,th{padding:3px 10px;border-bottom:1px solid #eef0f3;text-align:left;vertical-align:top}
th{background:#f0f2f5;position:sticky;top:0}
.ok{color:var(--good)}.fail{color:var(--bad)}
.wrap{margin:14px 24px;background:#fff;border:1px solid var(--line);border-radius:6px;overflow:auto}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:14px;margin:14px 24px}
.side{background:#fff;border:1px solid var(--line);border-radius:6px;overflow:auto}
.side h2{margin:0;padding:10px 12px;font:600 14px var(--mono);border-bottom:1px solid var(--line)}
.side ul{margin:8px 12px;padding-left:18px}.inv{font-weight:700;color:var(--bad)}
tr.violation td{background:var(--badbg)}tr.violation td.seq{color:var(--bad);font-weight:700}
tr.startup{display:none}body.show-startup tr.startup{display:table-row}
tr.fold td{background:#f3f4f6}button{font:600 12px var(--mono);cursor:pointer}
.muted{color:var(--muted)}.marker{color:#8a5d00}
`;

const foldJs = `document.querySelectorAll('.fold button').forEach(function(b){b.addEventListener('click',function(){document.body.classList.toggle('show-startup')})});`;

function page(title: string, body: string, script = ''): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${css}</style>
</head>
<body>
${body}
${script ? `<script>${script}</script>` : ''}
</body>
</html>
`;
}

function verdict(run: RunReport): string {
  return `<span class="${run.ok ? 'ok' : 'fail'}">${run.ok ? '✓' : '✗'} ${esc(verdictText(run))}</span>`;
}

function rowsHtml(rows: readonly CompactRow[], side: string): string {
  const startup = rows.filter((r) => r.startup).length;
  const out: string[] = [];
  if (startup) out.push(`<tr class="fold"><td colspan="4"><button type="button">▸ start-up: ${startup} rows</button></td></tr>`);
  for (const r of rows) {
    const cls = [r.startup ? 'startup' : '', r.violations.length ? 'violation' : ''].filter(Boolean).join(' ');
    const extra = [r.code ? ` <b>${esc(r.code)}</b>` : '', ...r.markers.map((m) => ` <span class="marker">${esc(m)}</span>`), r.violations.length ? ` <span class="inv">✗ ${r.violations.join(', ')}</span>` : ''].join('');
    out.push(`<tr id="${side}-seq-${r.seq}"${cls ? ` class="${cls}"` : ''}><td class="seq">#${r.seq}</td><td class="muted">${esc(simTime(r.atMs))}</td><td>${esc(r.actor)}</td><td>${esc(r.text)}${extra}</td></tr>`);
  }
  return `<table><thead><tr><th>seq</th><th>time</th><th>actor</th><th>entry</th></tr></thead><tbody>${out.join('\n')}</tbody></table>`;
}

function sideHtml(run: RunReport, side: 'a' | 'b', href?: string): string {
  const title = `${esc(run.variant)} · seed ${esc(run.seed)}`;
  const violations = run.violations.length
    ? `<ul>${run.violations.map((v, i) => `<li id="${side}-violation-${i + 1}"><span class="inv">✗ ${i + 1} ${esc(v.invariant)}</span> — ${esc(v.message)} ${v.seqs.map((q) => `<a href="#${side}-seq-${q}">#${q}</a>`).join(' ')}</li>`).join('')}</ul>`
    : '<ul><li class="ok">no invariant violated</li></ul>';
  return `<section class="side" id="side-${side}" data-variant="${esc(run.variant)}"><h2>${href ? `<a href="${esc(href)}">${title}</a>` : title} — ${verdict(run)}</h2>${violations}${rowsHtml(compactRows(run), side)}</section>`;
}

/** Two runs side by side; `hrefs` link each side to its full report. */
export function compareHtml(a: RunReport, b: RunReport, hrefs: { a?: string; b?: string } = {}): string {
  const same = a.scenario === b.scenario ? esc(a.scenario) : `${esc(a.scenario)} / ${esc(b.scenario)}`;
  const body = `<header><h1>${same}: ${esc(a.variant)} beside ${esc(b.variant)}</h1>${a.description ? `<p>${esc(a.description)}</p>` : ''}</header><div class="sides">${sideHtml(a, 'a', hrefs.a)}${sideHtml(b, 'b', hrefs.b)}</div>`;
  return page(`${a.scenario} · ${a.variant} vs ${b.variant}`, body, foldJs);
}

/** Reads a report written by writeReport; throws when the file is not one. */
export function readRunReport(path: string): RunReport {
  const run = runOfReport(readFileSync(path, 'utf8'));
  if (!run) throw new Error(`${path} is not a racelab run report (written by scenario run --report)`);
  return run;
}

export function compareFileName(scenario: string, seed: number): string {
  return `compare-${safeName(scenario)}-seed${safeName(String(seed))}.html`;
}

/**
 * Writes `<dir>/index.html` listing every run report in the folder, and a comparison page for each
 * scenario and seed that has both a buggy and a fixed report. Returns the index's path.
 */
export function writeReportIndex(dir: string): string {
  const runs: RunReport[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.html') || f === 'index.html' || f.startsWith('compare-')) continue;
    const run = runOfReport(readFileSync(join(dir, f), 'utf8'));
    if (run) runs.push(run);
  }
  runs.sort((x, y) => x.scenario.localeCompare(y.scenario) || x.seed - y.seed || x.variant.localeCompare(y.variant));
  const rows: string[] = [];
  for (const run of runs) {
    const pair = run.variant === 'buggy' ? runs.find((o) => o.scenario === run.scenario && o.seed === run.seed && o.variant === 'fixed') : undefined;
    let compare = '';
    if (pair) {
      const name = compareFileName(run.scenario, run.seed);
      writeFileSync(join(dir, name), compareHtml(run, pair, { a: reportFileName(run), b: reportFileName(pair) }));
      compare = `<a class="compare" href="${esc(name)}">buggy beside fixed</a>`;
    }
    rows.push(
      `<tr data-scenario="${esc(run.scenario)}"><td>${esc(run.scenario)}</td><td>${esc(run.variant)}</td><td>${esc(run.seed)}</td><td>${verdict(run)}</td><td>${run.violations.length}</td><td>${run.history.length}</td><td><a class="report" href="${esc(reportFileName(run))}">timeline</a></td><td>${compare}</td></tr>`,
    );
  }
  const failed = runs.filter((r) => !r.ok).length;
  const body = `<header><h1>racelab reports</h1><p>${runs.length} runs · <span class="${failed ? 'fail' : 'ok'}">${failed} not as expected</span></p></header><div class="wrap"><table><thead><tr><th>scenario</th><th>variant</th><th>seed</th><th>verdict</th><th>violations</th><th>entries</th><th></th><th></th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
  const path = join(dir, 'index.html');
  writeFileSync(path, page('racelab reports', body));
  return path;
}
