// The HTML timeline of one run: self-contained (no external assets), one lane per actor, the violating
// steps highlighted and linked to the violations, start-up folded, filters, and the run embedded as JSON.
import { buildModel, duration, noteIcon, objectPath, otherEntrySummary, relTime, requestText, responseCode, verdictText, type Model, type Row, type RunReport, type Span } from './reportmodel.ts';
import { objectPanelCss, objectPanelData, objectPanelHtml, objectPanelJs, objectsJson } from './reportobjectpanel.ts';

/** Longest request body summary shown inline; the whole summary is in the tooltip. */
const bodyInlineMaxChars = 160;

// Pause and hourglass glyphs (⏸ ⏳ ⌛) are missing from many fonts, so the HTML draws them; the glyph stays
// in the accessible name and the tooltip.
const pauseSvg = `<svg class="ico" viewBox="0 0 12 12" role="img" aria-label="⏸"><rect x="2.5" y="2" width="2.6" height="8" rx=".6"/><rect x="6.9" y="2" width="2.6" height="8" rx=".6"/></svg>`;
const hourglassSvg = (label: string): string =>
  `<svg class="ico" viewBox="0 0 12 12" role="img" aria-label="${label}"><path d="M2.5 1h7v1.2L6.6 6l2.9 3.8V11h-7V9.8L5.4 6 2.5 2.2z"/></svg>`;

function noteIconHtml(tag: string): string {
  if (tag === 'hold') return pauseSvg;
  if (tag === 'timeout') return hourglassSvg('⌛');
  return esc(noteIcon(tag));
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => htmlEscapes[c] ?? c);
}

/** Only http(s) links are made clickable; `owner/repo#N` becomes a GitHub link. */
function upstreamHref(upstream: string): string | undefined {
  if (/^https?:\/\//i.test(upstream)) return upstream;
  const m = /^([\w.-]+\/[\w.-]+)#(\d+)$/.exec(upstream.trim());
  if (m) return `https://github.com/${m[1]}/issues/${m[2]}`;
  return undefined;
}

const lanePalette = ['#3b6fd8', '#0f9488', '#8250df', '#b7791f', '#c2418c', '#0e8fb0', '#5f8a1f', '#5b6b82'];

function codeClass(code: number): string {
  if (code >= 500) return 'c5';
  if (code >= 400) return 'c4';
  if (code >= 300) return 'c3';
  return 'c2';
}

const css = `
:root{--bg:#f7f8fa;--panel:#fff;--ink:#1f2430;--muted:#6b7280;--line:#e3e6eb;--held:#c98a12;--inj:#b4236b;--delay:#0b7fa3;--bad:#c62828;--badbg:#fdecec;--good:#1a7f37;
--mono:ui-monospace,"SFMono-Regular","DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;--sans:system-ui,-apple-system,"Segoe UI","DejaVu Sans","Liberation Sans",sans-serif}
*{box-sizing:border-box}
html,body{margin:0;background:var(--bg);color:var(--ink);font:13px/1.45 var(--sans)}
a{color:#2f5fb3;text-decoration:none}a:hover{text-decoration:underline}
header{padding:16px 24px 12px;background:var(--panel);border-bottom:1px solid var(--line)}
h1{margin:0 0 6px;font:600 19px/1.3 var(--mono);display:flex;align-items:center;gap:10px;flex-wrap:wrap}
.variant{font:600 11px/1 var(--sans);text-transform:uppercase;letter-spacing:.06em;padding:4px 8px;border-radius:10px;border:1px solid}
.variant.buggy{color:#9a3412;background:#fff4e5;border-color:#f3c99a}.variant.fixed{color:#1a5f9e;background:#eaf3fd;border-color:#b3d3f2}
.verdict{font:600 12px/1 var(--sans);padding:5px 10px;border-radius:10px}
.verdict.ok{color:var(--good);background:#e7f6ec}.verdict.fail{color:var(--bad);background:var(--badbg)}
.meta{color:var(--muted);display:flex;gap:6px 18px;flex-wrap:wrap}.meta b{color:var(--ink);font-weight:600;font-family:var(--mono)}
.desc{margin:8px 0 0;max-width:110ch;color:#374151}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;padding:8px 24px;background:var(--panel);border-bottom:1px solid var(--line);color:var(--muted);font-size:12px}
.legend span.k{font-family:var(--mono);color:var(--ink);margin-right:4px}
.legend .swatch{display:inline-block;width:14px;height:12px;vertical-align:-1px;margin-right:4px;border-radius:2px}
section.violations{margin:14px 24px 0;padding:10px 14px;background:var(--panel);border:1px solid var(--line);border-left:4px solid var(--bad);border-radius:6px}
section.violations.none{border-left-color:var(--good)}
section.violations h2{margin:0 0 6px;font:600 13px/1.3 var(--sans)}
section.violations ul{margin:0;padding:0 0 0 18px}section.violations li{margin:3px 0}
.inv{font:600 12px var(--mono);color:var(--bad)}
.vlinks a{font-family:var(--mono);font-size:12px;margin-left:6px}
.wrap{margin:14px 24px 40px;background:var(--panel);border:1px solid var(--line);border-radius:6px}
table.timeline{border-collapse:separate;border-spacing:0;width:100%;table-layout:fixed;font:12px/1.4 var(--mono)}
thead th{position:sticky;top:0;z-index:2;background:#f0f2f5;border-bottom:1px solid #cfd4db;padding:8px 10px;text-align:left;font:600 12px var(--mono);white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
thead th.lane{border-left:1px solid var(--line);border-top:3px solid var(--c)}
thead th.lane .dot{display:inline-block;width:8px;height:8px;border-radius:50%;background:var(--c);margin-right:7px;vertical-align:1px}
th.seqh,td.seq{width:56px}th.timeh,td.time{width:78px}
td{padding:3px 10px;vertical-align:top;border-bottom:1px solid #f1f3f6}
td.seq{color:var(--muted);text-align:right;padding-right:8px}td.seq a{color:inherit}
td.time{color:var(--muted);font-size:11px;padding-top:5px}
td.cell{border-left:1px solid var(--line);position:relative}
td.cell.inflight,td.cell.heldspan{background-repeat:no-repeat;background-position:18px 0;background-size:2px 100%}
td.cell.inflight{background-image:linear-gradient(var(--c),var(--c))}
td.cell.heldspan{background-image:repeating-linear-gradient(to bottom,var(--held) 0 4px,transparent 4px 8px)}
tr:target td{background-color:#fff8d6}
.chip{position:relative;z-index:1;border:1px solid var(--line);border-left:3px solid var(--c);border-radius:4px;background:#fff;padding:3px 7px;overflow-wrap:anywhere}
.chip.delivery{background:#f8fafc;border-style:dashed;border-left-style:solid}
.chip.note{background:#fbfbfd}.chip.note.crash,.chip.note.panic{background:#fff1f0;border-color:#f5c2c0}
.chip.resp{background:#fafbfc;color:#4b5563}
.chip.pairhl{box-shadow:0 0 0 2px #9db8e8}
.ico{width:1em;height:1em;vertical-align:-.15em;fill:currentColor}
.delivery .dir{color:var(--delay);font-weight:700}
.dir{color:var(--muted)}.verb{font-weight:700}
.code{font-weight:700;margin-left:6px;padding:0 5px;border-radius:3px}
.code.c2{color:var(--good);background:#e9f6ed}.code.c3{color:#555;background:#eee}.code.c4{color:#9a5b00;background:#fff3dc}.code.c5{color:var(--bad);background:var(--badbg)}
.pending{color:var(--muted);font-style:italic;margin-left:6px}
.sub{color:var(--muted);font-size:11px}
.badges{margin-top:2px;display:flex;flex-wrap:wrap;gap:4px}
.badge{font:600 10.5px/1.5 var(--sans);padding:0 6px;border-radius:8px;white-space:nowrap}
.badge.held{color:#7a5200;background:#fff1cc;border:1px solid #f0d68a}
.badge.timedout{color:#fff;background:var(--held)}
.badge.injected{color:#fff;background:var(--inj)}
.badge.delayed{color:#075e7a;background:#dff3fa;border:1px solid #a9dcee}
.tag{font:600 10.5px var(--sans);text-transform:uppercase;letter-spacing:.04em;color:#4b5563;margin-right:4px}
.tag.crash,.tag.panic,.tag.assert{color:var(--bad)}.tag.hold,.tag.timeout{color:#8a5d00}.tag.release{color:var(--good)}
tr.violation td{background-color:var(--badbg)}
tr.violation td.seq{color:var(--bad);font-weight:700;box-shadow:inset 3px 0 0 var(--bad)}
tr.violation .chip{border-color:#ef9a9a;border-left-color:var(--bad)}
.vmsg{margin-top:3px;color:var(--bad);font-size:11.5px}.vmsg b{font-weight:700}
.empty{padding:24px;color:var(--muted);text-align:center}
footer{margin:0 24px 24px;color:var(--muted);font-size:11px}
tr.startup{display:none}body.show-startup tr.startup{display:table-row}body.filtered tr.startup{display:table-row}
tr.filtered-out{display:none!important}body.filtered tr.fold{display:none}
tr.fold td{background:#f3f4f6;border-bottom:1px solid var(--line)}tr.fold button{font:600 12px var(--mono);border:1px solid #cfd4db;background:#fff;border-radius:4px;padding:2px 8px;cursor:pointer}
.jump{margin:8px 0 0}.jump a{font-weight:600;color:var(--bad)}
.filters{display:flex;gap:6px 16px;flex-wrap:wrap;align-items:center;padding:8px 24px;background:var(--panel);border-bottom:1px solid var(--line);font-size:12px;color:var(--muted)}
.filters select{font:12px var(--mono);max-width:32ch}
.cause a{font-family:var(--mono)}.vref{color:var(--bad);font-weight:700;margin-right:8px}.vno{font:700 12px var(--mono);color:var(--bad)}
.tag.other{color:#6d28d9}
i.rs{position:absolute;top:0;bottom:0;width:3px;border-radius:1px;background:#7c8aa5}i.rs.r-ok{background:var(--good)}i.rs.r-requeue{background:var(--held)}i.rs.r-error{background:var(--bad)}
.chip.reconcile{background:#f6f8fb;border-left-style:double;border-left-width:4px}.chip.reconcile .dir{color:#4b5563}
.res{font-weight:700;margin-left:6px;padding:0 5px;border-radius:3px}.res.ok{color:var(--good);background:#e9f6ed}.res.requeue{color:#7a5200;background:#fff1cc}.res.error{color:var(--bad);background:var(--badbg)}.res.open{color:#555;background:#eee}
${objectPanelCss}`;

// Hovering a request or its response outlines both; nothing else needs script.
// The start-up rows fold behind one row; a link into them unfolds them. Filters hide the rows that do not match.
const foldJs = `(function(){var b=document.body,t=document.getElementById('startup-toggle');function show(on){b.classList.toggle('show-startup',on);if(t){t.setAttribute('aria-expanded',on?'true':'false');t.textContent=(on?'▾':'▸')+t.textContent.slice(1)}}if(t)t.addEventListener('click',function(){show(!b.classList.contains('show-startup'))});function reveal(){var id=location.hash.slice(1),el=id&&document.getElementById(id);if(!el)return;if(el.classList.contains('startup')){show(true);el.scrollIntoView()}b.setAttribute('data-shown',el.offsetParent!==null?id:'')}window.addEventListener('hashchange',reveal);reveal();var sel=document.querySelectorAll('#filters select'),count=document.getElementById('filter-count');function apply(){var f={},n=0,all=0;sel.forEach(function(s){if(s.value)f[s.getAttribute('data-filter')]=s.value});var any=Object.keys(f).length>0;b.classList.toggle('filtered',any);document.querySelectorAll('tr.row').forEach(function(r){var ok=true;for(var k in f){if(r.getAttribute('data-'+k)!==f[k])ok=false}r.classList.toggle('filtered-out',!ok);all++;if(ok)n++});if(count)count.textContent=any?n+' of '+all+' entries':''}sel.forEach(function(s){s.addEventListener('change',apply)});apply()})();`;

const js = `document.addEventListener('mouseover',function(e){var t=e.target.closest&&e.target.closest('[data-pair]');document.querySelectorAll('.pairhl').forEach(function(x){x.classList.remove('pairhl')});if(t){document.querySelectorAll('[data-pair="'+t.getAttribute('data-pair')+'"]').forEach(function(x){x.classList.add('pairhl')})}});`;

function endText(result: 'ok' | 'requeue' | 'error' | undefined, requeueAfterMs: number | undefined): string {
  if (result === 'requeue' && requeueAfterMs !== undefined) return `requeue after ${duration(requeueAfterMs)}`;
  return result ?? 'ok';
}

function badgesHtml(row: Row): string {
  const e = row.entry;
  const out: string[] = [];
  if (e.type === 'request' && e.held) {
    out.push(`<span class="badge held" title="⏸ held by rule ${esc(e.held.rule)} from #${e.held.heldAtSeq}">${pauseSvg} held · ${esc(e.held.rule)} · since <a href="#seq-${e.held.heldAtSeq}">#${e.held.heldAtSeq}</a></span>`);
    if (e.held.timedOut) out.push(`<span class="badge timedout" title="released by the rule's bound, not its condition">timed out</span>`);
  }
  const resp = e.type === 'response' ? e : row.pair?.type === 'response' ? row.pair : undefined;
  if (resp?.injected) out.push(`<span class="badge injected" title="failed by rule ${esc(resp.injected.rule)}">⚡ injected · ${esc(resp.injected.rule)}</span>`);
  if (e.type === 'delivery' && e.delayed) out.push(`<span class="badge delayed" title="⏳ delayed by rule ${esc(e.delayed.rule)}">${hourglassSvg('⏳')} delayed · ${esc(e.delayed.rule)}</span>`);
  return out.length ? `<div class="badges">${out.join('')}</div>` : '';
}

function chipHtml(row: Row, model: Model): string {
  const e = row.entry;
  const tip = [`#${e.seq}`, `t=${relTime(e.atMs - model.t0)}`, `real +${e.realMs} ms`];
  let cls = 'chip';
  let body = '';
  let pairAttr = '';
  switch (e.type) {
    case 'request': {
      cls += ' req';
      if (e.group) tip.push(`group ${e.group}`);
      tip.push(`rv before ${e.rvBefore}`);
      const resp = row.pair?.type === 'response' ? row.pair : undefined;
      if (resp) pairAttr = ` data-pair="${e.seq}"`;
      let code: string;
      if (resp) {
        code = `<span class="code ${codeClass(resp.code)}">${esc(responseCode(resp))}</span>`;
        tip.push(`response #${resp.seq}`);
      } else if (e.verb === 'watch') code = '';
      else code = `<span class="pending">no response</span>`;
      body = `<div><span class="dir">→</span> <span class="verb">${esc(e.verb.toUpperCase())}</span> ${esc(objectPath(e.resource, e.namespace, e.name, e.subresource))}${code}</div>`;
      if (e.body) {
        const short = e.body.length > bodyInlineMaxChars ? `${e.body.slice(0, bodyInlineMaxChars)}…` : e.body;
        body += `<div class="sub" title="${esc(e.body)}">${esc(short)}</div>`;
      }
      if (resp) {
        const rv = `rv ${e.rvBefore}→${resp.rvAfter}${resp.objectRv ? ` · object rv=${esc(resp.objectRv)}` : ''}`;
        const where = row.joined ? `<span id="seq-${resp.seq}">reply #${resp.seq}</span>` : `reply <a href="#seq-${resp.seq}">#${resp.seq}</a>`;
        body += `<div class="sub">${where} · ${rv}</div>`;
      }
      break;
    }
    case 'response': {
      cls += ' resp';
      pairAttr = ` data-pair="${e.request}"`;
      const req = row.pair?.type === 'request' ? row.pair : undefined;
      const what = req ? requestText(req) : `${e.verb.toUpperCase()} ${objectPath(e.resource, e.namespace, e.name)}`;
      body = `<div><span class="dir">↩</span><span class="code ${codeClass(e.code)}">${esc(responseCode(e))}</span> <span class="sub">${esc(what)} · request <a href="#seq-${e.request}">#${e.request}</a></span></div>`;
      body += `<div class="sub">rv after ${e.rvAfter}${e.objectRv ? ` · object rv=${esc(e.objectRv)}` : ''}</div>`;
      break;
    }
    case 'delivery':
      cls += ' delivery';
      body = `<div><span class="dir">⇠</span> <span class="verb">${esc(e.eventType)}</span> ${esc(objectPath(e.resource, e.namespace, e.name))} <span class="sub">rv=${e.revision}</span></div>`;
      break;
    case 'reconcile': {
      cls += ' reconcile';
      if (e.phase === 'start') {
        const span = model.spanAt.get(e.seq);
        const end = span?.end;
        const res = end ? `<span class="res ${esc(end.result ?? 'ok')}">${esc(endText(end.result, end.requeueAfterMs))}</span> at <a href="#seq-${end.seq}">#${end.seq}</a>` : `<span class="res open">never ended</span>`;
        body = `<div data-span="${e.seq}"><span class="dir">⟳</span> <span class="verb">reconcile</span> ${esc(e.controller)} ${esc(e.key)} <span class="sub">worker ${e.worker}</span></div><div class="sub">${res}</div>`;
      } else {
        body = `<div><span class="dir">⟲</span> reconciled ${esc(e.controller)} ${esc(e.key)} <span class="res ${esc(e.result ?? 'ok')}">${esc(endText(e.result, e.requeueAfterMs))}</span> <span class="sub">worker ${e.worker}${e.start !== undefined ? ` · from <a href="#seq-${e.start}">#${e.start}</a>` : ''}</span></div>`;
      }
      break;
    }
    case 'note':
      cls += ` note ${esc(e.tag)}`;
      body = `<div><span class="tag ${esc(e.tag)}">${noteIconHtml(e.tag)} ${esc(e.tag)}</span>${esc(e.text)}</div>`;
      break;
    default: {
      // A kind of entry this renderer does not know (e.g. an exploration decision): a labelled mark.
      const other = otherEntrySummary(e);
      cls += ' note other';
      body = `<div><span class="tag other">◆ ${esc(other.kind)}</span>${esc(other.text)}</div>`;
      break;
    }
  }
  body += badgesHtml(row);
  const next = model.next.get(e.seq);
  if (next) body += `<div class="sub cause" data-next="${next.join(' ')}">⤷ then ${next.map((q) => `<a href="#seq-${model.rowOfSeq.get(q) ?? q}">#${q}</a>`).join(' ')}</div>`;
  const after = model.after.get(e.seq);
  if (after !== undefined) body += `<div class="sub cause" data-after="${after}">⤶ after event <a href="#seq-${after}">#${after}</a></div>`;
  const inSpan = model.inSpan.get(e.seq);
  if (inSpan) body += `<div class="sub cause" data-in-span="${inSpan.join(' ')}">⤶ in reconcile ${inSpan.map((s) => `<a href="#seq-${s}">#${s}</a>`).join(' ')}</div>`;
  if (row.violations.length) {
    const refs = row.violations.map((v) => `<a class="vref" href="#violation-${model.violationNo.get(v)}" title="${esc(v.invariant)}">✗ ${model.violationNo.get(v)} ${esc(v.invariant)}</a>`);
    body += `<div class="vmsg">${refs.join(' ')}</div>`;
  }
  return `<div class="${cls}"${pairAttr} title="${esc(tip.join(' · '))}">${body}</div>`;
}

/** For each lane and row, whether the lane's actor has a request in flight or held across that row. */
function laneSpans(model: Model, laneOf: Map<string, number>): { inflight: Int32Array[]; held: Int32Array[]; reconciles: Map<number, string>[] } {
  const n = model.rows.length;
  const rowIndex = new Map<number, number>();
  model.rows.forEach((r, i) => rowIndex.set(r.entry.seq, i));
  const firstRowAfter = (seq: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (model.rows[mid]!.entry.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const inflight = model.actors.map(() => new Int32Array(n + 1));
  const held = model.actors.map(() => new Int32Array(n + 1));
  model.rows.forEach((row, i) => {
    const e = row.entry;
    if (e.type !== 'request') return;
    const lane = laneOf.get(e.actor)!;
    if (e.verb !== 'watch' && row.pair && !row.joined) {
      const end = rowIndex.get(row.pair.seq);
      if (end !== undefined && end > i + 1) {
        inflight[lane]![i + 1]!++;
        inflight[lane]![end]!--;
      }
    }
    if (e.held) {
      const start = firstRowAfter(e.held.heldAtSeq);
      if (start < i) {
        held[lane]![start]!++;
        held[lane]![i]!--;
      }
    }
  });
  for (const arr of [...inflight, ...held]) for (let i = 1; i <= n; i++) arr[i]! += arr[i - 1]!;
  return { inflight, held, reconciles: reconcileMarks(model, laneOf, rowIndex) };
}

/** Left offset of a worker's span bar in its lane: workers side by side in the cell's left padding. */
const spanBarLeftPx = (worker: number): number => 1 + (worker % 3) * 3;

/** For each row, the reconcile span bars its cells carry: `lane → html`, from each span's start row to its end row. */
function reconcileMarks(model: Model, laneOf: Map<string, number>, rowIndex: Map<number, number>): Map<number, string>[] {
  const marks = model.rows.map(() => new Map<number, string>());
  const last = model.rows.length - 1;
  for (const sp of model.spans as Span[]) {
    const lane = laneOf.get(sp.start.actor);
    const from = rowIndex.get(sp.start.seq);
    if (lane === undefined || from === undefined) continue;
    const to = sp.end ? (rowIndex.get(sp.end.seq) ?? last) : last;
    const result = sp.end ? (sp.end.result ?? 'ok') : 'open';
    const bar = `<i class="rs r-${esc(result)}" style="left:${spanBarLeftPx(sp.start.worker)}px" data-span="${sp.start.seq}"`;
    // The tooltip on the span's first and last rows only: a long span stays small.
    const titled = `${bar} title="${esc(`reconcile #${sp.start.seq} ${sp.start.controller} ${sp.start.key} · worker ${sp.start.worker} · ${sp.end ? endText(sp.end.result, sp.end.requeueAfterMs) : 'never ended'}`)}"></i>`;
    for (let i = from; i <= to; i++) {
      const m = marks[i]!;
      m.set(lane, (m.get(lane) ?? '') + (i === from || i === to ? titled : `${bar}></i>`));
    }
  }
  return marks;
}

/** The simulated clock as HH:MM:SS.mmm (UTC). */
export function simTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/** What the verb filter knows a row by: its request's verb, or the kind of entry. */
function rowVerb(row: Row): string {
  const e = row.entry;
  if (e.type === 'request' || e.type === 'response') return e.verb;
  if (e.type === 'delivery') return 'watch event';
  if (e.type === 'note') return 'note';
  if (e.type === 'reconcile') return 'reconcile';
  return otherEntrySummary(e).kind;
}

/** What the object filter knows a row by: resource/namespace/name, or nothing. */
function rowObject(row: Row): string {
  const e = row.entry;
  if (e.type === 'request' || e.type === 'response' || e.type === 'delivery') return objectPath(e.resource, e.namespace, e.name);
  return '';
}

function filtersHtml(model: Model): string {
  const options = (values: Iterable<string>): string => [...new Set(values)].filter(Boolean).sort().map((v) => `<option value="${esc(v)}">${esc(v)}</option>`).join('');
  const actors = options(model.actors);
  const verbs = options(model.rows.map(rowVerb));
  const objects = options(model.rows.map(rowObject));
  return `<form class="filters" id="filters" onsubmit="return false"><label>actor <select data-filter="actor"><option value="">all</option>${actors}</select></label><label>verb <select data-filter="verb"><option value="">all</option>${verbs}</select></label><label>object <select data-filter="object"><option value="">all</option>${objects}</select></label><span class="sub" id="filter-count"></span></form>`;
}

/** The run as JSON inside a <script type="application/json">: `<` escaped so no text can end the element. */
function jsonForScript(run: RunReport): string {
  // The objects are embedded once, as the versions the rows show (racelab-objects).
  const { objects: _objects, ...rest } = run;
  return JSON.stringify(rest).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The run embedded in a report written by htmlTimeline (without its objects), or undefined for any other HTML. */
export function runOfReport(html: string): RunReport | undefined {
  const m = /<script type="application\/json" id="racelab-run">([\s\S]*?)<\/script>/.exec(html);
  return m ? (JSON.parse(m[1] as string) as RunReport) : undefined;
}

export function htmlTimeline(run: RunReport): string {
  const model = buildModel(run);
  const laneOf = new Map(model.actors.map((a, i) => [a, i]));
  const spans = laneSpans(model, laneOf);
  const objects = objectPanelData(run, model);
  const laneCss = model.actors.map((_, i) => `.l${i}{--c:${lanePalette[i % lanePalette.length]}}`).join('');

  const head: string[] = [];
  head.push(`<h1>${esc(run.scenario)} <span class="variant ${run.variant === 'buggy' ? 'buggy' : 'fixed'}">${esc(run.variant)}</span> <span class="verdict ${run.ok ? 'ok' : 'fail'}">${run.ok ? '✓ OK' : '✗ FAIL'} — ${esc(verdictText(run))}</span></h1>`);
  const meta: string[] = [
    `<span>seed <b>${esc(run.seed)}</b></span>`,
    `<span>duration <b>${esc(duration(run.durationMs))}</b></span>`,
    `<span>reproduced <b>${run.reproduced ? 'yes' : 'no'}</b></span>`,
    `<span>expected <b>${run.expected ? 'yes' : 'no'}</b></span>`,
    `<span><b>${model.entries.length}</b> entries · <b>${model.actors.length}</b> actors</span>`,
  ];
  const first = model.entries[0];
  const last = model.entries[model.entries.length - 1];
  if (first && last) {
    meta.push(`<span>simulated <b>${esc(new Date(first.atMs).toISOString())}</b> … <b>${esc(relTime(last.atMs - first.atMs))}</b></span>`);
  }
  if (run.upstream) {
    const href = upstreamHref(run.upstream);
    meta.push(href ? `<span>upstream <a href="${esc(href)}" rel="noreferrer">${esc(run.upstream)}</a></span>` : `<span>upstream <b>${esc(run.upstream)}</b></span>`);
  }
  head.push(`<div class="meta">${meta.join('')}</div>`);
  const firstViolating = model.rows.find((r) => r.violations.length > 0);
  if (firstViolating) head.push(`<p class="jump"><a id="jump-first-violation" href="#seq-${firstViolating.entry.seq}">⇣ jump to the first violation (#${firstViolating.entry.seq})</a></p>`);
  if (run.description) head.push(`<p class="desc">${esc(run.description)}</p>`);

  const legend = [
    `<span><span class="k">→</span>request, reply code joined</span>`,
    `<span><span class="k">↩</span>reply that came later</span>`,
    `<span><span class="k">⇠</span>watch delivery</span>`,
    `<span><span class="k">▸ ✖ ↻ ‼ ${pauseSvg} ▶ ${hourglassSvg('⌛')}</span>note: step, crash, restart, panic, hold, release, timeout</span>`,
    `<span><span class="badge held">${pauseSvg} held</span> held by a rule (<span class="badge timedout">timed out</span>: released by its bound)</span>`,
    `<span><span class="badge injected">⚡ injected</span> fault injected by a rule</span>`,
    `<span><span class="badge delayed">${hourglassSvg('⏳')} delayed</span> delivery delayed by a rule</span>`,
    `<span><span class="swatch" style="background:linear-gradient(#3b6fd8,#3b6fd8) no-repeat 6px 0/2px 100%"></span>request in flight</span>`,
    `<span><span class="swatch" style="background:repeating-linear-gradient(to bottom,#c98a12 0 3px,transparent 3px 6px) no-repeat 6px 0/2px 100%"></span>request held</span>`,
    `<span><span class="swatch" style="background:#fdecec;border:1px solid #ef9a9a"></span>violating step</span>`,
    `<span><span class="k">⟳ ⟲</span>reconcile start, end; <span class="swatch" style="background:linear-gradient(#1a7f37,#1a7f37) no-repeat 2px 0/3px 100%"></span>reconcile span per worker (ok, <span style="color:#c98a12">requeue</span>, <span style="color:#c62828">error</span>)</span>`,
    `<span>click a row that wrote, read or delivered an object: its state at that resourceVersion and the diff</span>`,
  ];

  let violations: string;
  if (run.violations.length === 0) {
    violations = `<section class="violations none" id="violations"><h2>No invariant violated</h2></section>`;
  } else {
    const items = run.violations.map((v, i) => {
      const links = v.seqs.map((s) => `<a href="#seq-${model.rowOfSeq.get(s) ?? s}">#${s}</a>`).join('');
      return `<li id="violation-${i + 1}"><span class="vno">✗ ${i + 1}</span> <span class="inv">${esc(v.invariant)}</span> — ${esc(v.message)}${links ? ` <span class="vlinks">${links}</span>` : ''}</li>`;
    });
    violations = `<section class="violations" id="violations"><h2>${run.violations.length} invariant violation${run.violations.length === 1 ? '' : 's'}</h2><ul>${items.join('')}</ul></section>`;
  }

  const th = model.actors
    .map((a, i) => `<th class="lane l${i}" data-actor="${esc(a)}" title="${esc(a)}"><span class="dot"></span>${esc(a)}</th>`)
    .join('');
  const colgroup = `<colgroup><col style="width:56px"><col style="width:78px">${model.actors.map(() => '<col>').join('')}</colgroup>`;
  const body: string[] = [];
  if (model.startup > 0) {
    const actors = new Set(model.rows.slice(0, model.startup).map((r) => r.entry.actor));
    const entries = model.rows.slice(0, model.startup).reduce((n, r) => n + r.seqs.length, 0);
    body.push(
      `<tr id="startup-fold" class="fold"><td class="seq">#${model.rows[0]!.entry.seq}…</td><td class="time"></td><td colspan="${model.actors.length}"><button type="button" id="startup-toggle" aria-expanded="false">▸ start-up: ${entries} entries</button> <span class="sub">informer LIST/WATCH, setup steps and the first reconciles of ${esc([...actors].join(', '))}, before the first rule acted</span></td></tr>`,
    );
  }
  model.rows.forEach((row, ri) => {
    const e = row.entry;
    const lane = laneOf.get(e.actor)!;
    const cls = ['row', e.type];
    if (row.violations.length) cls.push('violation');
    if (ri < model.startup) cls.push('startup');
    const cells: string[] = [];
    for (let li = 0; li < model.actors.length; li++) {
      const c = [`cell`, `l${li}`];
      if (spans.inflight[li]![ri]! > 0) c.push('inflight');
      else if (spans.held[li]![ri]! > 0) c.push('heldspan');
      const bars = spans.reconciles[ri]!.get(li) ?? '';
      if (li === lane) cells.push(`<td class="${c.join(' ')}" data-seq="${e.seq}">${bars}${chipHtml(row, model)}</td>`);
      else cells.push(`<td class="${c.join(' ')}">${bars}</td>`);
    }
    const versions = objects.rowVersions.get(e.seq);
    const versionsAttr = versions ? ` data-versions="${versions.join(' ')}" tabindex="0" title="click (or Enter): the object at this resourceVersion and what changed"` : '';
    body.push(
      `<tr id="seq-${e.seq}" class="${cls.join(' ')}" data-actor="${esc(e.actor)}" data-verb="${esc(rowVerb(row))}" data-object="${esc(rowObject(row))}"${versionsAttr}><td class="seq"><a href="#seq-${e.seq}">#${e.seq}</a></td><td class="time" title="${esc(relTime(e.atMs - model.t0))} from the first entry">${esc(simTime(e.atMs))}</td>${cells.join('')}</tr>`,
    );
  });
  const table = model.rows.length
    ? `<table class="timeline">${colgroup}<thead><tr><th class="seqh">seq</th><th class="timeh">time</th>${th}</tr></thead><tbody>${body.join('\n')}</tbody></table>`
    : `<div class="empty">The history is empty.</div>`;

  const title = `${run.scenario} · ${run.variant} · seed ${run.seed} · ${run.ok ? 'OK' : 'FAIL'}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${css}${laneCss}</style>
</head>
<body>
<header>${head.join('\n')}</header>
<div class="legend">${legend.join('')}</div>
${filtersHtml(model)}
${violations}
<div class="wrap">${table}</div>
<footer>racelab timeline · rows in server history order · times are the server's (simulated) clock, UTC; hover one for the offset from the first entry · ⤷ then / ⤶ after: the reconciles an actor started after a watch event, before its next one, and the requests made inside each (⤶ in reconcile); for an actor without reconcile spans, the requests it sent after the event</footer>
${objectPanelHtml()}
<script type="application/json" id="racelab-run">${jsonForScript(run)}</script>
<script type="application/json" id="racelab-objects">${objectsJson(objects)}</script>
<script>${js}${foldJs}${objectPanelJs}</script>
</body>
</html>
`;
}
