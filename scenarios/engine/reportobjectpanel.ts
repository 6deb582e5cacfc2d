// The report's object panel: clicking a row that wrote, read or delivered an object shows that object at
// that resourceVersion and its diff against the object's previous resourceVersion. The versions the rows
// reference are embedded once as JSON, with their diffs worked out here (reportobjects.ts).
import { objectPath, type Model, type RunReport } from './reportmodel.ts';
import { buildObjectIndex, versionsOfEntry, type ObjectChange } from './reportobjects.ts';

/** What the page keeps of one version. */
interface ShownVersion {
  path: string;
  /** Set when the run has several stores (separate API servers). */
  store?: number;
  type: string;
  rv: number;
  /** The previous version's resourceVersion, if there is one. */
  prev?: number;
  diff: ObjectChange[];
  object: unknown;
}

export interface ObjectPanelData {
  /** For each row (by its seq): the ids of the versions it shows. */
  rowVersions: Map<number, number[]>;
  /** The versions by id, as embedded in the page. */
  versions: Record<string, ShownVersion>;
}

export function objectPanelData(run: RunReport, model: Model): ObjectPanelData {
  const rowVersions = new Map<number, number[]>();
  const versions: Record<string, ShownVersion> = {};
  const all = run.objects ?? [];
  if (all.length === 0) return { rowVersions, versions };
  const index = buildObjectIndex(all);
  const stores = new Set(all.map((v) => v.store)).size;
  for (const row of model.rows) {
    const e = row.entry;
    const request = e.type === 'response' && row.pair?.type === 'request' ? row.pair : undefined;
    const reply = e.type === 'request' && row.pair?.type === 'response' ? row.pair : undefined;
    const mine = run.actorStores?.[e.actor];
    const ids = versionsOfEntry(index, e, request, reply).filter((id) => !mine || mine.includes(index.versions[id]!.store));
    if (ids.length === 0) continue;
    rowVersions.set(e.seq, ids);
    for (const id of ids) {
      if (versions[id]) continue;
      const v = index.versions[id]!;
      const p = index.prev[id]!;
      versions[id] = {
        path: objectPath(v.resource, v.namespace, v.name),
        ...(stores > 1 ? { store: v.store } : {}),
        type: v.type,
        rv: v.rv,
        ...(p >= 0 ? { prev: index.versions[p]!.rv } : {}),
        // Without a previous version every field is new: the object itself says it (no copy as a diff).
        diff: p >= 0 ? index.diffs[id]! : [],
        object: v.object,
      };
    }
  }
  return { rowVersions, versions };
}

export const objectPanelCss = `
tr[data-versions]>td.cell>.chip{cursor:pointer}tr.selected td{background-color:#eef4ff}
#object-panel{position:fixed;top:0;right:0;bottom:0;width:min(46vw,720px);z-index:5;background:#fff;border-left:1px solid #cfd4db;box-shadow:-6px 0 18px rgba(0,0,0,.08);overflow:auto;padding:12px 16px;font:12px/1.45 var(--mono)}
#object-panel[hidden]{display:none}
#object-panel header{position:sticky;top:-12px;background:#fff;padding:0 0 6px;border:0;display:flex;justify-content:space-between;align-items:center}
#object-panel h2{margin:0;font:600 13px var(--sans)}#object-panel h3{margin:10px 0 2px;font:600 12.5px var(--mono)}
#object-close{font:600 12px var(--sans);border:1px solid #cfd4db;background:#fff;border-radius:4px;padding:2px 8px;cursor:pointer}
table.diff{border-collapse:collapse;width:100%;margin:4px 0 8px;table-layout:fixed}table.diff td{padding:2px 6px;border-bottom:1px solid #f1f3f6;vertical-align:top;overflow-wrap:anywhere}
table.diff td.op{width:22px;font-weight:700;text-align:center}table.diff td.path{width:38%}
tr.op-add td.op{color:var(--good)}tr.op-remove td.op{color:var(--bad)}tr.op-replace td.op{color:#9a5b00}
.old{color:var(--bad);text-decoration:line-through;text-decoration-color:#e5a5a5}.new{color:var(--good)}
pre.obj{margin:4px 0 0;padding:8px;background:#f7f8fa;border:1px solid var(--line);border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere}
`;

export function objectPanelHtml(): string {
  return `<aside id="object-panel" hidden aria-label="object state"><header><h2>Object state</h2><button type="button" id="object-close">close ✕</button></header><div id="object-body"></div></aside>`;
}

/** The versions as JSON inside a <script type="application/json">: `<` escaped so no text can end the element. */
export function objectsJson(data: ObjectPanelData): string {
  return JSON.stringify(data.versions).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Longest value shown in a diff line; the whole value is in its tooltip. */
const diffValueMaxChars = 240;

// Clicking a row with versions (not a link or a button in it) fills the panel: per version its path,
// resourceVersion and event, the changes since the previous version, and the whole object (folded).
export const objectPanelJs = `(function(){var src=document.getElementById('racelab-objects'),panel=document.getElementById('object-panel'),out=document.getElementById('object-body');if(!src||!panel||!out)return;var vs=JSON.parse(src.textContent||'{}'),max=${diffValueMaxChars};
function el(tag,cls,text){var x=document.createElement(tag);if(cls)x.className=cls;if(text!==undefined)x.textContent=text;return x}
function val(cls,v){var s=v===undefined?'(none)':JSON.stringify(v),x=el('span',cls,s.length>max?s.slice(0,max)+'…':s);x.title=s;return x}
function show(row){var ids=(row.getAttribute('data-versions')||'').split(' ').filter(Boolean);if(!ids.length)return;document.querySelectorAll('tr.selected').forEach(function(r){r.classList.remove('selected')});row.classList.add('selected');out.textContent='';
ids.forEach(function(id){var v=vs[id];if(!v)return;var sec=el('section','version');sec.setAttribute('data-version',id);sec.appendChild(el('h3',null,v.path+' @ rv '+v.rv+' · '+v.type+(v.store!==undefined?' · apiserver-'+v.store:'')));
sec.appendChild(el('div','sub',v.prev!==undefined?v.diff.length+' change'+(v.diff.length===1?'':'s')+' since rv '+v.prev:'no earlier version: the object as first stored'));
var t=el('table','diff');v.diff.forEach(function(c){var tr=el('tr','op-'+c.op),cell=el('td','val');tr.appendChild(el('td','op',c.op==='add'?'+':c.op==='remove'?'−':'~'));tr.appendChild(el('td','path',c.path));if(c.op!=='add')cell.appendChild(val('old',c.old));if(c.op==='replace')cell.appendChild(document.createTextNode(' → '));if(c.op!=='remove')cell.appendChild(val('new',c.new));tr.appendChild(cell);t.appendChild(tr)});sec.appendChild(t);
var d=el('details');if(v.prev===undefined)d.open=true;d.appendChild(el('summary',null,'the object at rv '+v.rv));d.appendChild(el('pre','obj',JSON.stringify(v.object,null,2)));sec.appendChild(d);out.appendChild(sec)});
panel.hidden=false;document.body.setAttribute('data-object',row.id)}
document.addEventListener('click',function(e){var t=e.target;if(!t||!t.closest||t.closest('a,button,select,#object-panel'))return;var r=t.closest('tr[data-versions]');if(r)show(r)});
document.addEventListener('keydown',function(e){var t=e.target;if(e.key==='Enter'&&t&&t.matches&&t.matches('tr[data-versions]'))show(t);else if(e.key==='Escape'&&!panel.hidden)document.getElementById('object-close').click()});
document.getElementById('object-close').addEventListener('click',function(){panel.hidden=true;document.body.removeAttribute('data-object');document.querySelectorAll('tr.selected').forEach(function(r){r.classList.remove('selected')})})})();`;
