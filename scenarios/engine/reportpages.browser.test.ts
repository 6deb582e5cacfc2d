// The reports of a real run (clusterctl-move-finalizer, buggy and fixed, on a real server) in headless
// Chromium, with their scripts running: the first violation is reachable by its link and shown, the
// start-up rows are folded until a link into them unfolds them, a watch delivery → the requests the
// reconcile it triggered sent is drawn, and the buggy/fixed comparison and the index render.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findCase } from '../cases/index.ts';
import { writeReport } from './report.ts';
import { compareFileName, writeReportIndex } from './reportpages.ts';
import { runCase } from './runner.ts';

const chromium = '/usr/bin/chromium';
const skip = existsSync(chromium) ? false : `${chromium} is absent (Debian package chromium; .ci/run installs it in CI)`;
/** Bound on one Chromium run; it normally takes about a second. */
const chromiumTimeoutMs = 60_000;

function runChromium(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(chromium, args, { timeout: chromiumTimeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`chromium failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function dom(profile: string, url: string): Promise<string> {
  return runChromium(['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--window-size=1400,900', '--dump-dom', url]);
}

/** The opening tag of the element with this id in a dumped DOM. */
function tagOf(html: string, id: string): string {
  const m = new RegExp(`<[a-z]+ id="${id}"[^>]*>`).exec(html);
  assert.ok(m, `an element #${id}`);
  return m[0];
}

test('reports in headless Chromium: jump to the first violation, folded start-up, delivery → reconcile span → requests, object state on click, buggy beside fixed', { skip, timeout: 6 * chromiumTimeoutMs }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'racelab-pages-browser-'));
  try {
    const c = findCase('clusterctl-move-finalizer');
    assert.ok(c);
    const buggy = await runCase(c, 'buggy', 1);
    const fixed = await runCase(c, 'fixed', 1);
    assert.equal(buggy.result.reproduced, true);
    const reports = join(work, 'reports');
    const buggyPath = writeReport(reports, buggy.report);
    writeReport(reports, fixed.report);
    const index = writeReportIndex(reports);

    // The jump link points at the first violating row, which a browser shows (it is not folded).
    const html = readFileSync(buggyPath, 'utf8');
    const target = /<a id="jump-first-violation" href="#(seq-\d+)">/.exec(html)?.[1];
    assert.ok(target, 'a jump link');
    const jumped = await dom(join(work, 'p1'), `file://${buggyPath}#${target}`);
    assert.ok(/class="[^"]*\bviolation\b/.test(tagOf(jumped, target)), 'the target row is a violating one');
    assert.ok(new RegExp(`<body[^>]*data-shown="${target}"`).test(jumped), 'the browser shows the first violating row');
    assert.ok(!/<body[^>]*class="[^"]*show-startup/.test(jumped), 'the start-up stays folded');

    // Start-up: folded by default (one fold row, the rows hidden); a link into it unfolds it.
    const plain = await dom(join(work, 'p2'), `file://${buggyPath}`);
    const startupRows = [...plain.matchAll(/<tr id="(seq-\d+)" class="[^"]*\bstartup\b/g)].map((m) => m[1]!);
    assert.ok(startupRows.length >= 20, `start-up rows: ${startupRows.length}`);
    assert.ok(plain.includes('<tr id="startup-fold" class="fold">'), 'one fold row');
    assert.ok(!/<body[^>]*show-startup/.test(plain), 'folded by default');
    const firstStartup = startupRows[0]!;
    const unfolded = await dom(join(work, 'p3'), `file://${buggyPath}#${firstStartup}`);
    assert.ok(/<body[^>]*class="[^"]*show-startup/.test(unfolded), 'a link into the start-up unfolds it');
    assert.ok(new RegExp(`<body[^>]*data-shown="${firstStartup}"`).test(unfolded), 'the folded row is shown once unfolded');

    // A delivery to the cluster controller links to the reconcile it triggered, that reconcile to the PATCH
    // it made (the re-added finalizer), and the PATCH back to its reconcile, whose span bar runs from its
    // start row to its end row on the controller's lane.
    const rowTag = (seq: string): string => tagOf(plain, `seq-${seq}`);
    const rowHtml = (seq: string): string => {
      const at = plain.indexOf(`<tr id="seq-${seq}"`);
      return plain.slice(at, plain.indexOf('</tr>', at));
    };
    const readd = buggy.report.violations.find((v) => v.invariant === 'source-emptied-after-move')!.seqs.map(String);
    const spans = [...plain.matchAll(/<tr id="seq-(\d+)" class="row reconcile[^"]*" data-actor="cluster-controller"(?:(?!<\/tr>)[\s\S])*?data-next="([\d ]+)"/g)];
    assert.ok(spans.length > 0, 'reconciles link to the requests made inside them');
    const span = spans.find((m) => m[2]!.split(' ').some((q) => readd.includes(q)));
    assert.ok(span, `a reconcile leading to one of ${readd.join(', ')}`);
    const [, start, made] = span;
    const request = made!.split(' ').find((q) => readd.includes(q))!;
    assert.match(rowHtml(request), new RegExp(`data-in-span="[\\d ]*\\b${start}\\b`), `#${request} links back to its reconcile #${start}`);
    const after = /data-after="(\d+)"/.exec(rowHtml(start!))?.[1];
    assert.ok(after, `reconcile #${start} links to the delivery that triggered it`);
    assert.match(rowTag(after), /class="row delivery/);
    assert.match(rowHtml(after), new RegExp(`data-next="[\\d ]*\\b${start}\\b`), `delivery #${after} links to reconcile #${start}`);
    const end = new RegExp(`<span class="res ok">ok</span> at <a href="#seq-(\\d+)">`).exec(rowHtml(start!))?.[1];
    assert.ok(end, `reconcile #${start} ended ok`);
    for (const seq of [start!, request, end]) assert.ok(rowHtml(seq).includes(`class="rs r-ok" style="left:1px" data-span="${start}"`), `the span bar of #${start} on row #${seq}`);

    // Clicking a row that wrote an object shows the object at that resourceVersion and the diff against the
    // previous one: the PATCH that re-added the finalizer shows it added to metadata.finalizers. The click is
    // a real DOM click on the row's chip, from a script appended to a copy of the report.
    assert.match(rowTag(request), /data-versions="\d+/, `#${request} has an object version`);
    const clickPath = join(work, 'click.html');
    const click = `<script>document.querySelector('#seq-${request} td[data-seq] .chip').dispatchEvent(new MouseEvent('click',{bubbles:true}))</script>`;
    writeFileSync(clickPath, readFileSync(buggyPath, 'utf8').replace('</body>', `${click}</body>`));
    const clicked = await dom(join(work, 'p6'), `file://${clickPath}`);
    assert.match(tagOf(clicked, 'object-panel'), /<aside id="object-panel" aria-label="object state">/, 'the panel is shown');
    assert.ok(new RegExp(`<body[^>]*data-object="seq-${request}"`).test(clicked), 'for the clicked row');
    const panel = clicked.slice(clicked.indexOf('<aside id="object-panel"'), clicked.indexOf('</aside>'));
    assert.match(panel, /<h3>clusters\/default\/c1 @ rv \d+ · MODIFIED · apiserver-0<\/h3>/);
    assert.match(panel, /\d+ changes? since rv \d+/);
    assert.match(panel, /<tr class="op-(add|replace)"><td class="op">[+~]<\/td><td class="path">metadata\.finalizers(\[0\])?<\/td>/, 'the finalizer change');
    assert.match(panel, /<pre class="obj">\{\n {2}"apiVersion": "cluster\.x-k8s\.io\/v1beta1"/, 'the whole object');
    assert.ok(!panel.includes('managedFields'), 'managedFields left out');

    // Buggy beside fixed, linked from the index.
    const indexDom = await dom(join(work, 'p4'), `file://${index}`);
    const compareName = compareFileName(c.name, 1);
    assert.ok(indexDom.includes(`href="${compareName}"`), 'the index links the comparison');
    assert.equal([...indexDom.matchAll(/<tr data-scenario="clusterctl-move-finalizer">/g)].length, 2);
    const compared = await dom(join(work, 'p5'), `file://${join(reports, compareName)}`);
    assert.ok(compared.includes('<section class="side" id="side-a" data-variant="buggy">'), 'the buggy side');
    assert.ok(compared.includes('<section class="side" id="side-b" data-variant="fixed">'), 'the fixed side');
    const sideA = compared.slice(compared.indexOf('id="side-a"'), compared.indexOf('id="side-b"'));
    const sideB = compared.slice(compared.indexOf('id="side-b"'));
    assert.ok(/<tr id="a-seq-\d+" class="violation"/.test(sideA), 'the buggy side marks its violating rows');
    assert.ok(!/class="violation"/.test(sideB), 'the fixed side has none');
    assert.ok(sideB.includes('no invariant violated'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
