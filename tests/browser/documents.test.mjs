// Browser tests of the documents pages (issue 18 §7) on the real `signx serve`: a text file
// uploaded through the page's file input, its status going from queued to ready on the open page
// without a reload (and the status events arriving on the dashboard's live activity over SSE), a
// search with a highlighted snippet, and a question answered with a citation.
//
// Run by tests/browser/run.sh --suite documents --serve-set jobs.workers=0: the server runs no
// jobs, so the page is seen in its queued state for certain; the test then starts `signx worker`
// on the same database (SIGNX_BINARY, SIGNX_SETTINGS; its PID in WORKER_PID_FILE so run.sh stops
// it whatever happens) — the deployment's split of serve and worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import {
  ADMIN, VIEWER, XSS, assertNoXss, env, flashes, open, shot, signedInPage, startBrowser, stopBrowser,
  submit, text, texts, unexpectedErrors, unlabelledInputs, writeTemp,
} from './lib.mjs';

let worker = null;

before(startBrowser);
after(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await stopBrowser();
});

function startWorker() {
  const settings = env('SIGNX_SETTINGS').split('\n').filter((s) => s);
  const log = fs.openSync(env('WORKER_LOG'), 'a');
  worker = spawn(env('SIGNX_BINARY'), ['worker', ...settings, '--threads', '1'], { stdio: ['ignore', log, log] });
  fs.writeFileSync(env('WORKER_PID_FILE'), String(worker.pid));
  fs.closeSync(log);
}

const SURVEY = `Site survey for the Riverside pylon sign

The survey of the Riverside Plaza site was done on 2 December 2026. The pylon sign will stand at the
north entrance beside the parking lot.

The soil at the north entrance is stiff clay. A geotechnical boring found groundwater at eleven feet
below grade, so the pier needs a casing.

Maria Lopez will submit the permit application to the city by 15 December 2026. The installation
crew needs a crane with a reach of forty feet.

The customer approved the aluminium cabinet with white acrylic faces.
`;
const FILENAME = `riverside survey ${XSS[2]}.txt`;

let documentId = '';

test('upload through the page: queued, then ready on the open page without a reload; the dashboard gets the events live', async () => {
  // The dashboard, open in another tab, follows the org's events over SSE.
  const dashboard = await signedInPage(ADMIN);
  await open(dashboard, '/');
  await dashboard.waitForFunction(
    () => /Live/.test(document.querySelector('[data-testid=activity-status]')?.textContent || ''), { timeout: 15000, polling: 200 });
  const before = await dashboard.$$eval('[data-testid=activity-item]', (els) => els.length);

  const page = await signedInPage(ADMIN);
  let res = await open(page, '/documents');
  assert.equal(res.status(), 200);
  assert.deepEqual(await unlabelledInputs(page), []);
  assert.ok(await page.$('[data-testid=no-documents]'));
  await (await page.$('#document-file')).uploadFile(writeTemp(FILENAME, SURVEY));
  res = await submit(page, '[data-testid=upload-button]');
  assert.equal(res.status(), 200);
  const match = new URL(page.url()).pathname.match(/^\/documents\/(doc_\w+)$/);
  assert.ok(match, `the document page opens: ${page.url()}`);
  documentId = match[1];
  assert.ok((await flashes(page)).some((f) => /Uploaded/.test(f)));
  assert.equal(await text(page, '#doc-heading'), FILENAME);
  assert.equal(await text(page, '[data-testid=document-status]'), 'Queued');
  assert.ok(await page.$('[data-testid=document-progress]'), 'a progress bar while it is processed');
  await assertNoXss(page);
  await shot(page, 'documents-queued');

  // Nothing runs jobs yet; a worker starts now and the open page follows it.
  await page.evaluate(() => { window.__sameDocument = true; });
  startWorker();
  await page.waitForFunction(
    () => document.querySelector('[data-testid=document-status]')?.textContent.trim() === 'Ready',
    { timeout: 60000, polling: 200 });
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'updated in place, not reloaded');
  assert.equal(await page.$('[data-testid=document-progress]'), null);
  assert.ok(await page.$('[data-testid=summary] li'), 'a summary');
  const owners = await texts(page, '[data-testid=action-owner]');
  assert.ok(owners.includes('Maria Lopez'), `the permit task's owner: ${owners.join(', ')}`);
  assert.ok((await texts(page, '[data-testid=action-due]')).includes('2026-12-15'));
  await assertNoXss(page);
  await shot(page, 'documents-ready');

  // queued → extracting → analysing → ready: the status events reach the dashboard live.
  // A tab in the background gets no animation frames (puppeteer's default polling): bring the
  // dashboard to the front and poll on a timer.
  await dashboard.bringToFront();
  try {
    await dashboard.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=activity-item]').length >= n + 3,
      { timeout: 30000, polling: 200 }, before);
  } catch (e) {
    await shot(dashboard, 'documents-dashboard-live-failed');
    const state = await texts(dashboard, '[data-testid=activity-status], [data-testid=activity-item]');
    throw new Error(`the dashboard did not get the status events (before: ${before}): ${state.join(' / ')}; ` +
      `console: ${dashboard.errors.join(' / ')}`);
  }
  assert.match(await text(dashboard, '[data-testid=activity-list]'), /Documents document status changed/);
  await shot(dashboard, 'documents-dashboard-live');
  assert.deepEqual(unexpectedErrors(page), []);
  await dashboard.close();
  await page.close();
});

test('search finds the document with a highlighted snippet; a question gets a cited answer', async () => {
  assert.ok(documentId, 'the upload test made the document');
  const page = await signedInPage(ADMIN);
  await open(page, '/documents');
  assert.match(await text(page, '[data-testid=documents-table]'), /riverside survey .*Ready/);
  await page.type('#quick-search-q', 'groundwater');
  let res = await submit(page, '[data-testid=quick-search-form] button[type=submit]');
  assert.equal(res.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/documents/search');
  assert.deepEqual(await unlabelledInputs(page), []);
  assert.equal(await page.$('[data-testid=search-error]'), null, 'no error box after a valid search');
  const hits = await page.$$eval('[data-testid=search-hit]', (els) => els.map((el) => ({
    href: el.querySelector('a').getAttribute('href'),
    title: el.querySelector('a').textContent,
    marks: [...el.querySelectorAll('.snippet mark')].map((m) => m.textContent.toLowerCase()),
    snippet: el.querySelector('.snippet').textContent,
  })));
  assert.equal(hits.length, 1);
  assert.equal(hits[0].href, `/documents/${documentId}`);
  assert.equal(hits[0].title, FILENAME);
  assert.deepEqual(hits[0].marks, ['groundwater']);
  assert.match(hits[0].snippet, /groundwater at eleven feet/);
  await assertNoXss(page);
  await shot(page, 'documents-search');

  // A word in no document.
  await page.$eval('#search-q', (el) => { el.value = 'zeppelin'; });
  await submit(page, '[data-testid=search-button]');
  assert.ok(await page.$('[data-testid=no-hits]'));

  await page.type('#ask-question', 'Who will submit the permit application?');
  res = await submit(page, '[data-testid=ask-button]');
  assert.equal(res.status(), 200);
  assert.match(await text(page, '[data-testid=answer-text]'), /Maria Lopez will submit the permit application/);
  const citations = await page.$$eval('[data-testid=citation]', (els) => els.map((el) => ({
    href: el.querySelector('a').getAttribute('href'), text: el.textContent.replace(/\s+/g, ' '),
  })));
  assert.ok(citations.length >= 1);
  assert.equal(citations[0].href, `/documents/${documentId}`);
  assert.match(citations[0].text, /, page 1: “Maria Lopez will submit the permit application to the city by 15 December 2026\.”/);
  await assertNoXss(page);
  await shot(page, 'documents-answer');
  assert.deepEqual(unexpectedErrors(page), []);
  await page.close();
});

test('a viewer can read and search but gets no upload form; the server refuses an upload', async () => {
  assert.ok(documentId, 'the upload test made the document');
  const page = await signedInPage(VIEWER);
  await open(page, '/documents');
  assert.equal(await page.$('[data-testid=upload-form]'), null);
  assert.match(await text(page, '[data-testid=documents-table]'), /Ready/);
  const csrf = await page.$eval('input[name=csrf_token]', (el) => el.value);
  const status = await page.evaluate(async (token) => {
    const form = new FormData();
    form.append('csrf_token', token);
    form.append('file', new Blob(['hello'], { type: 'text/plain' }), 'x.txt');
    return (await fetch('/documents', { method: 'POST', body: form })).status;
  }, csrf);
  assert.equal(status, 403);
  await page.close();
});
