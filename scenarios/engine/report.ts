// Run reports: what one scenario run found, rendered from the recorded server-side history as a
// self-contained HTML timeline (one lane per actor, the violating steps highlighted) or as a compact
// terminal timeline. Times come from the history entries only, never from the wall clock.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeliveryEntry, HistoryEntry, RequestEntry, ResponseEntry } from '../../apiserver/interleave/types.ts';

export interface Violation {
  invariant: string;
  message: string;
  /** History seqs of the entries that show the violation. */
  seqs: number[];
}

export interface RunReport {
  scenario: string;
  variant: 'buggy' | 'fixed';
  seed: number;
  reproduced: boolean;
  expected: boolean;
  ok: boolean;
  durationMs: number;
  violations: Violation[];
  history: HistoryEntry[];
  description?: string;
  upstream?: string;
}

/** Longest request body summary shown inline; the whole summary is in the tooltip. */
const bodyInlineMaxChars = 160;
/** Default width of a terminal timeline line. */
const textDefaultWidthChars = 120;
/** Widest actor column in a terminal timeline. */
const textActorMaxChars = 24;

// --- the model both renderers share ---

/** One row of the timeline: an entry in seq order, with its paired request or response when joined. */
interface Row {
  entry: HistoryEntry;
  /** For a request: its response. For a response row: its request. */
  pair?: RequestEntry | ResponseEntry;
  /** For a request: the response is joined into this row (nothing happened in between). */
  joined?: ResponseEntry;
  /** Seqs this row stands for: its own and a joined response's. */
  seqs: number[];
  violations: Violation[];
}

interface Model {
  entries: HistoryEntry[];
  rows: Row[];
  actors: string[];
  /** The seq of the row that shows each seq (a joined response is shown on its request's row). */
  rowOfSeq: Map<number, number>;
  t0: number;
  /** Rows from the start that are start-up (informer LIST/WATCH, setup steps), folded behind one row; 0: none. */
  startup: number;
  /** For a delivery: the requests its actor sent next, before its next watch event (what the reconcile sent). */
  next: Map<number, number[]>;
  /** For such a request: the delivery it followed. */
  after: Map<number, number>;
  /** Each violated invariant's number, from 1, in the order of the run's violations. */
  violationNo: Map<Violation, number>;
}

/** Fewer start-up rows than this are not folded. */
const startupFoldMinRows = 8;
/** At most this many requests are linked to the delivery before them. */
const nextRequestsMax = 8;
/** Note tags that are part of setting the world up; any other note ends the start-up. */
const setupNoteTags = new Set(['step']);

/** True for a row that is more than start-up: a rule acting or installed, a crash, a violation, an unknown kind. */
function endsStartup(row: Row): boolean {
  const e = row.entry;
  if (row.violations.length) return true;
  switch (e.type) {
    case 'request':
      return !!e.held || (row.joined?.injected ?? (row.pair?.type === 'response' ? row.pair.injected : undefined)) !== undefined;
    case 'response':
      return !!e.injected;
    case 'delivery':
      return !!e.delayed;
    case 'note':
      return !setupNoteTags.has(e.tag);
    default:
      return true;
  }
}

/** Without any rule or violation: the leading informer LIST/WATCH rows (and their replies and first events). */
function leadingInformerRows(rows: readonly Row[]): number {
  const i = rows.findIndex((row) => {
    const e = row.entry;
    if (e.type === 'request' || e.type === 'response') return e.verb !== 'list' && e.verb !== 'watch';
    if (e.type === 'delivery') return e.eventType !== 'ADDED';
    return !(e.type === 'note' && setupNoteTags.has(e.tag));
  });
  return i < 0 ? rows.length : i;
}

/** An entry of a kind this file does not know (a newer history): its type, actor and a one-line summary. */
export function otherEntrySummary(e: HistoryEntry): { kind: string; text: string } {
  const { seq: _s, atMs: _a, realMs: _r, type, actor: _actor, ...rest } = e as unknown as Record<string, unknown>;
  const text = typeof rest.text === 'string' ? rest.text : JSON.stringify(rest);
  return { kind: String(type), text };
}

/** Links each watch delivery to the requests its actor sent next, up to that actor's next delivery. */
function causality(rows: readonly Row[]): { next: Map<number, number[]>; after: Map<number, number> } {
  const next = new Map<number, number[]>();
  const after = new Map<number, number>();
  const open = new Map<string, number>();
  for (const row of rows) {
    const e = row.entry;
    if (e.type === 'delivery') {
      if (e.eventType !== 'BOOKMARK') open.set(e.actor, e.seq);
      else open.delete(e.actor);
    } else if (e.type === 'request' && e.verb !== 'watch') {
      const d = open.get(e.actor);
      if (d === undefined) continue;
      const list = next.get(d) ?? [];
      if (list.length >= nextRequestsMax) continue;
      list.push(e.seq);
      next.set(d, list);
      after.set(e.seq, d);
    }
  }
  return { next, after };
}

function buildModel(run: RunReport): Model {
  const entries = [...run.history].sort((a, b) => a.seq - b.seq);
  const actors: string[] = [];
  const seen = new Set<string>();
  const requests = new Map<number, RequestEntry>();
  const responses = new Map<number, ResponseEntry>();
  for (const e of entries) {
    if (!seen.has(e.actor)) {
      seen.add(e.actor);
      actors.push(e.actor);
    }
    if (e.type === 'request') requests.set(e.seq, e);
    else if (e.type === 'response' && !responses.has(e.request)) responses.set(e.request, e);
  }
  const bySeq = new Map<number, Violation[]>();
  for (const v of run.violations) {
    for (const s of new Set(v.seqs)) {
      const list = bySeq.get(s) ?? [];
      list.push(v);
      bySeq.set(s, list);
    }
  }
  const rows: Row[] = [];
  const rowOfSeq = new Map<number, number>();
  const joinedSeqs = new Set<number>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (joinedSeqs.has(e.seq)) continue;
    const row: Row = { entry: e, seqs: [e.seq], violations: [] };
    if (e.type === 'request') {
      const resp = responses.get(e.seq);
      if (resp) {
        row.pair = resp;
        const next = entries[i + 1];
        if (next === resp) {
          row.joined = resp;
          row.seqs.push(resp.seq);
          joinedSeqs.add(resp.seq);
        }
      }
    } else if (e.type === 'response') {
      const req = requests.get(e.request);
      if (req) row.pair = req;
    }
    const vs = new Set<Violation>();
    for (const s of row.seqs) for (const v of bySeq.get(s) ?? []) vs.add(v);
    row.violations = [...vs];
    for (const s of row.seqs) rowOfSeq.set(s, e.seq);
    rows.push(row);
  }
  const firstActing = rows.findIndex(endsStartup);
  const startupRows = firstActing < 0 ? leadingInformerRows(rows) : firstActing;
  const { next, after } = causality(rows);
  const violationNo = new Map(run.violations.map((v, i) => [v, i + 1]));
  return { entries, rows, actors, rowOfSeq, t0: entries[0]?.atMs ?? 0, startup: startupRows >= startupFoldMinRows ? startupRows : 0, next, after, violationNo };
}

/** `clusters/default/c1`, `clusters/default/c1/status`, `clusters/default/*`, `nodes/n1`, `nodes`. */
function objectPath(resource: string, namespace: string | undefined, name: string | undefined, subresource?: string): string {
  let p = resource;
  if (namespace) p += `/${namespace}`;
  if (name) p += `/${name}`;
  else if (namespace) p += '/*';
  if (subresource) p += `/${subresource}`;
  return p;
}

function requestText(e: RequestEntry): string {
  return `${e.verb.toUpperCase()} ${objectPath(e.resource, e.namespace, e.name, e.subresource)}`;
}

function responseCode(r: ResponseEntry): string {
  return r.reason ? `${r.code} ${r.reason}` : String(r.code);
}

function deliveryText(e: DeliveryEntry): string {
  return `${e.eventType} ${objectPath(e.resource, e.namespace, e.name)} rv=${e.revision}`;
}

function relTime(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  return `${sign}${(Math.abs(ms) / 1000).toFixed(3)}s`;
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms * 10) / 10} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function verdictText(run: RunReport): string {
  if (run.reproduced && run.expected) return 'race reproduced, as expected';
  if (!run.reproduced && !run.expected) return 'race did not occur, as expected';
  if (run.reproduced) return 'race reproduced, but the fixed variant was expected to hold';
  return 'race not reproduced, but the buggy variant was expected to show it';
}

// Pause and hourglass glyphs (⏸ ⏳ ⌛) are missing from many fonts, so the HTML draws them; the glyph stays
// in the accessible name and the tooltip.
const pauseSvg = `<svg class="ico" viewBox="0 0 12 12" role="img" aria-label="⏸"><rect x="2.5" y="2" width="2.6" height="8" rx=".6"/><rect x="6.9" y="2" width="2.6" height="8" rx=".6"/></svg>`;
const hourglassSvg = (label: string): string =>
  `<svg class="ico" viewBox="0 0 12 12" role="img" aria-label="${label}"><path d="M2.5 1h7v1.2L6.6 6l2.9 3.8V11h-7V9.8L5.4 6 2.5 2.2z"/></svg>`;

const noteIcons: Record<string, string> = {
  step: '▸',
  crash: '✖',
  restart: '↻',
  panic: '‼',
  assert: '✗',
  hold: '⏸',
  release: '▶',
  timeout: '⌛',
};

function noteIcon(tag: string): string {
  return noteIcons[tag] ?? '●';
}

function noteIconHtml(tag: string): string {
  if (tag === 'hold') return pauseSvg;
  if (tag === 'timeout') return hourglassSvg('⌛');
  return esc(noteIcon(tag));
}

// --- HTML ---

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
`;

// Hovering a request or its response outlines both; nothing else needs script.
// The start-up rows fold behind one row; a link into them unfolds them. Filters hide the rows that do not match.
const foldJs = `(function(){var b=document.body,t=document.getElementById('startup-toggle');function show(on){b.classList.toggle('show-startup',on);if(t){t.setAttribute('aria-expanded',on?'true':'false');t.textContent=(on?'▾':'▸')+t.textContent.slice(1)}}if(t)t.addEventListener('click',function(){show(!b.classList.contains('show-startup'))});function reveal(){var id=location.hash.slice(1),el=id&&document.getElementById(id);if(!el)return;if(el.classList.contains('startup')){show(true);el.scrollIntoView()}b.setAttribute('data-shown',el.offsetParent!==null?id:'')}window.addEventListener('hashchange',reveal);reveal();var sel=document.querySelectorAll('#filters select'),count=document.getElementById('filter-count');function apply(){var f={},n=0,all=0;sel.forEach(function(s){if(s.value)f[s.getAttribute('data-filter')]=s.value});var any=Object.keys(f).length>0;b.classList.toggle('filtered',any);document.querySelectorAll('tr.row').forEach(function(r){var ok=true;for(var k in f){if(r.getAttribute('data-'+k)!==f[k])ok=false}r.classList.toggle('filtered-out',!ok);all++;if(ok)n++});if(count)count.textContent=any?n+' of '+all+' entries':''}sel.forEach(function(s){s.addEventListener('change',apply)});apply()})();`;

const js = `document.addEventListener('mouseover',function(e){var t=e.target.closest&&e.target.closest('[data-pair]');document.querySelectorAll('.pairhl').forEach(function(x){x.classList.remove('pairhl')});if(t){document.querySelectorAll('[data-pair="'+t.getAttribute('data-pair')+'"]').forEach(function(x){x.classList.add('pairhl')})}});`;

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
  if (row.violations.length) {
    const refs = row.violations.map((v) => `<a class="vref" href="#violation-${model.violationNo.get(v)}" title="${esc(v.invariant)}">✗ ${model.violationNo.get(v)} ${esc(v.invariant)}</a>`);
    body += `<div class="vmsg">${refs.join(' ')}</div>`;
  }
  return `<div class="${cls}"${pairAttr} title="${esc(tip.join(' · '))}">${body}</div>`;
}

/** For each lane and row, whether the lane's actor has a request in flight or held across that row. */
function laneSpans(model: Model, laneOf: Map<string, number>): { inflight: Int32Array[]; held: Int32Array[] } {
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
  return { inflight, held };
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
  return JSON.stringify(run).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The run embedded in a report written by htmlTimeline, or undefined for any other HTML. */
export function runOfReport(html: string): RunReport | undefined {
  const m = /<script type="application\/json" id="racelab-run">([\s\S]*?)<\/script>/.exec(html);
  return m ? (JSON.parse(m[1] as string) as RunReport) : undefined;
}

export function htmlTimeline(run: RunReport): string {
  const model = buildModel(run);
  const laneOf = new Map(model.actors.map((a, i) => [a, i]));
  const spans = laneSpans(model, laneOf);
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
      if (li === lane) cells.push(`<td class="${c.join(' ')}" data-seq="${e.seq}">${chipHtml(row, model)}</td>`);
      else cells.push(`<td class="${c.join(' ')}"></td>`);
    }
    body.push(
      `<tr id="seq-${e.seq}" class="${cls.join(' ')}" data-actor="${esc(e.actor)}" data-verb="${esc(rowVerb(row))}" data-object="${esc(rowObject(row))}"><td class="seq"><a href="#seq-${e.seq}">#${e.seq}</a></td><td class="time" title="${esc(relTime(e.atMs - model.t0))} from the first entry">${esc(simTime(e.atMs))}</td>${cells.join('')}</tr>`,
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
<footer>racelab timeline · rows in server history order · times are the server's (simulated) clock, UTC; hover one for the offset from the first entry · ⤷ then / ⤶ after: the requests an actor sent after a watch event, before its next one (what the reconcile that event triggered sent)</footer>
<script type="application/json" id="racelab-run">${jsonForScript(run)}</script>
<script>${js}${foldJs}</script>
</body>
</html>
`;
}

// --- text ---

const ansi = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
};

interface TextLine {
  seq: number;
  actor: string;
  body: string;
  bodyColor: string;
  code?: string;
  codeColor?: string;
  markers: string[];
  violations: string[];
}

function codeAnsi(code: number): string {
  if (code >= 500) return ansi.red;
  if (code >= 400) return ansi.yellow;
  return ansi.green;
}

function textLineOf(row: Row, bodies = false): TextLine {
  const e = row.entry;
  const line: TextLine = { seq: e.seq, actor: e.actor, body: '', bodyColor: '', markers: [], violations: [...new Set(row.violations.map((v) => v.invariant))] };
  const resp: ResponseEntry | undefined = e.type === 'response' ? e : row.pair?.type === 'response' ? row.pair : undefined;
  switch (e.type) {
    case 'request':
      line.body = `→ ${requestText(e)}${bodies && e.body ? ` ${e.body}` : ''}`;
      if (row.joined) {
        line.code = responseCode(row.joined);
        line.codeColor = codeAnsi(row.joined.code);
      } else if (row.pair?.type === 'response') {
        line.code = `${responseCode(row.pair)} @#${row.pair.seq}`;
        line.codeColor = codeAnsi(row.pair.code);
      } else if (e.verb !== 'watch') line.code = '…';
      if (e.held) line.markers.push(`⏸ held(${e.held.rule}, since #${e.held.heldAtSeq}${e.held.timedOut ? ', timed out' : ''})`);
      break;
    case 'response': {
      const req = row.pair?.type === 'request' ? row.pair : undefined;
      line.body = `↩ ${req ? requestText(req) : `${e.verb.toUpperCase()} ${objectPath(e.resource, e.namespace, e.name)}`} (#${e.request})`;
      line.bodyColor = ansi.dim;
      line.code = responseCode(e);
      line.codeColor = codeAnsi(e.code);
      break;
    }
    case 'delivery':
      line.body = `⇠ ${deliveryText(e)}`;
      line.bodyColor = ansi.cyan;
      if (e.delayed) line.markers.push(`⏳ delayed(${e.delayed.rule})`);
      break;
    case 'note':
      line.body = `${noteIcon(e.tag)} ${e.tag}: ${e.text}`;
      line.bodyColor = ['crash', 'panic', 'assert'].includes(e.tag) ? ansi.red : ['hold', 'timeout'].includes(e.tag) ? ansi.yellow : ansi.blue;
      break;
    default: {
      const other = otherEntrySummary(e);
      line.body = `◆ ${other.kind}: ${other.text}`;
      line.bodyColor = ansi.magenta;
    }
  }
  if (resp?.injected) line.markers.push(`⚡ injected(${resp.injected.rule})`);
  line.actor = oneLine(line.actor);
  line.body = oneLine(line.body);
  if (line.code) line.code = oneLine(line.code);
  line.markers = line.markers.map(oneLine);
  line.violations = line.violations.map(oneLine);
  return line;
}

/** One row of a compact timeline (compare pages): what the text timeline shows, and whether it is start-up. */
export interface CompactRow {
  seq: number;
  atMs: number;
  actor: string;
  text: string;
  code?: string;
  markers: string[];
  /** The numbers (from 1) of the violations citing this row. */
  violations: number[];
  startup: boolean;
}

export function compactRows(run: RunReport): CompactRow[] {
  const model = buildModel(run);
  return model.rows.map((row, i) => {
    const line = textLineOf(row, true);
    return {
      seq: row.entry.seq,
      atMs: row.entry.atMs,
      actor: row.entry.actor,
      text: line.body,
      ...(line.code !== undefined ? { code: line.code } : {}),
      markers: line.markers,
      violations: row.violations.map((v) => model.violationNo.get(v) ?? 0),
      startup: i < model.startup,
    };
  });
}

/** Cuts `s` to `max` characters (code points), ending with `…` when cut. */
function cut(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  if (max <= 1) return max === 1 ? '…' : '';
  return `${chars.slice(0, max - 1).join('')}…`;
}

/** One terminal line: line breaks become spaces, other control characters (escape sequences) `?`. */
function oneLine(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\n' || ch === '\r' || ch === '\t') out += ' ';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += '?';
    else out += ch;
  }
  return out;
}

function visibleLength(s: string): number {
  return [...s].length;
}

export interface TextTimelineOptions {
  width?: number;
  /** At most this many lines, around the violating ones. */
  limit?: number;
  color?: boolean;
  /** Only the rows showing these seqs, with a `⋯ N entries` line for each gap (explain.ts picks them). */
  focus?: ReadonlySet<number>;
  /** List the violations after the timeline (default true). */
  summary?: boolean;
  /** Request bodies (their summaries) after the request line. */
  bodies?: boolean;
  /** Mark violating rows with the violation's number in the run's list (`✗ 1,2`) instead of its name. */
  numbered?: boolean;
}

export function textTimeline(run: RunReport, opts: TextTimelineOptions = {}): string {
  const width = opts.width ?? textDefaultWidthChars;
  const color = opts.color ?? false;
  const paint = (s: string, ...codes: string[]): string => (color && codes.some(Boolean) && s ? `${codes.join('')}${s}${ansi.reset}` : s);
  const model = buildModel(run);
  const numbers = new Map([...new Set(run.violations.map((v) => v.invariant))].map((name, i) => [oneLine(name), String(i + 1)]));
  const lines = model.rows.map((row) => {
    const line = textLineOf(row, opts.bodies);
    if (opts.numbered) line.violations = line.violations.map((v) => numbers.get(v) ?? v);
    return line;
  });
  const seqWidth = Math.max(2, ...lines.map((l) => String(l.seq).length + 1));
  const actorWidth = Math.min(textActorMaxChars, Math.max(5, ...model.actors.map((a) => visibleLength(a))));

  const render = (l: TextLine): string => {
    const vmark = l.violations.length ? '✗' : ' ';
    const seq = `#${l.seq}`.padEnd(seqWidth);
    const actor = cut(l.actor, actorWidth).padEnd(actorWidth);
    const prefix = `${vmark} ${seq}  ${actor}  `;
    const suffixParts: string[] = [];
    if (l.code) suffixParts.push(l.code);
    suffixParts.push(...l.markers);
    if (l.violations.length) suffixParts.push(`✗ ${l.violations.join(', ')}`);
    const suffixPlain = suffixParts.length ? `  ${suffixParts.join('  ')}` : '';
    const room = width > 0 ? Math.max(12, width - visibleLength(prefix) - visibleLength(suffixPlain)) : Infinity;
    const body = Number.isFinite(room) ? cut(l.body, room) : l.body;
    if (!color) return `${prefix}${body}${suffixPlain}`.trimEnd();
    const parts = [
      l.violations.length ? paint(vmark, ansi.red, ansi.bold) : vmark,
      ' ',
      paint(seq, ansi.dim),
      '  ',
      paint(actor, ansi.bold),
      '  ',
      paint(body, l.bodyColor),
    ];
    if (l.code) parts.push('  ', paint(l.code, l.codeColor ?? ''));
    for (const m of l.markers) parts.push('  ', paint(m, m.startsWith('⚡') ? ansi.magenta : m.startsWith('⏳') ? ansi.cyan : ansi.yellow));
    if (l.violations.length) parts.push('  ', paint(`✗ ${l.violations.join(', ')}`, ansi.red, ansi.bold));
    return parts.join('');
  };

  let start = 0;
  let end = lines.length;
  const limit = opts.limit;
  if (limit !== undefined && limit >= 0 && lines.length > limit) {
    let lastViolating = -1;
    lines.forEach((l, i) => {
      if (l.violations.length) lastViolating = i;
    });
    const firstViolating = lines.findIndex((l) => l.violations.length > 0);
    // Keep the last `limit` lines up to the last violating one, plus a little context after it; when
    // every violating line fits, keep them all.
    end = lastViolating < 0 ? lines.length : Math.min(lines.length, lastViolating + 1 + Math.floor(limit / 5));
    start = Math.max(0, end - limit);
    if (firstViolating >= 0 && start > firstViolating && lastViolating - firstViolating < limit) start = firstViolating;
    end = Math.min(lines.length, start + limit);
  }
  const out: string[] = [];
  const entries = (n: number): string => `${n} ${n === 1 ? 'entry' : 'entries'}`;
  if (opts.focus) {
    const focus = opts.focus;
    let skipped = 0;
    model.rows.forEach((row, i) => {
      if (!row.seqs.some((q) => focus.has(q))) {
        skipped++;
        return;
      }
      if (skipped) out.push(paint(`  ⋯ ${entries(skipped)}`, ansi.dim));
      skipped = 0;
      out.push(render(lines[i]!));
    });
    if (skipped) out.push(paint(`  ⋯ ${entries(skipped)}`, ansi.dim));
  } else {
    if (start > 0) out.push(paint(`  … ${start} earlier entr${start === 1 ? 'y' : 'ies'}`, ansi.dim));
    for (let i = start; i < end; i++) out.push(render(lines[i]!));
    if (end < lines.length) out.push(paint(`  … ${lines.length - end} later entr${lines.length - end === 1 ? 'y' : 'ies'}`, ansi.dim));
  }
  if (run.violations.length && opts.summary !== false) {
    out.push('');
    for (const v of run.violations) {
      const seqs = v.seqs.length ? `  (${v.seqs.map((s) => `#${s}`).join(', ')})` : '';
      out.push(`${paint('✗', ansi.red, ansi.bold)} ${paint(oneLine(v.invariant), ansi.red, ansi.bold)}: ${oneLine(v.message)}${seqs}`);
    }
  }
  return out.join('\n');
}

// --- files ---

/** A file name part made of safe characters. */
export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** The file name writeReport gives a run. */
export function reportFileName(run: Pick<RunReport, 'scenario' | 'variant' | 'seed'>): string {
  return `${safeName(run.scenario)}-${safeName(run.variant)}-seed${safeName(String(run.seed))}.html`;
}

/** Writes `<dir>/<scenario>-<variant>-seed<N>.html` and returns its path. */
export function writeReport(dir: string, run: RunReport): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, reportFileName(run));
  writeFileSync(path, htmlTimeline(run));
  return path;
}
