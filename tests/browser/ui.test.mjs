// Browser tests of the SignX web UI: headless Debian chromium driven by puppeteer-core.
// Started by tests/browser/run.sh, which provides BASE_URL, CHROMIUM, ADMIN_EMAIL/PASSWORD,
// VIEWER_EMAIL/PASSWORD and SCREENSHOT_DIR. Every page visited is saved as a screenshot for review.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import {
  ADMIN, BASE, DASHBOARD_WAIT, VIEWER, XSS, assertNoXss, logIn, newPage, postForm, shot,
  signedInPage, startBrowser, stopBrowser, submit, text, unexpectedErrors, unlabelledInputs, writeTemp,
} from './lib.mjs';

// The Leads and Estimating pages exist on the real server only (run.sh --server signx), with a
// cost model always and a lead model when the leads data was found.
const CAPABILITY_PAGES = process.env.CAPABILITY_PAGES === '1';
const HAS_LEAD_MODEL = process.env.HAS_LEAD_MODEL === '1';
const HAS_COST_MODEL = process.env.HAS_COST_MODEL === '1';
const DEMO_ADMIN = { email: process.env.DEMO_ADMIN_EMAIL || '', password: process.env.DEMO_ADMIN_PASSWORD || '' };

before(startBrowser);
after(stopBrowser);

// Every signed-in page of this file starts on the dashboard.
const dashboardPage = (who) => signedInPage(who, '/');

test('sign-in page: labelled form, no-store, hashed immutable assets, htmx loaded under CSP', async () => {
  const page = await newPage();
  const res = await page.goto(`${BASE}/login`, { waitUntil: 'networkidle0' });
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['cache-control'], 'no-store');
  assert.deepEqual(await unlabelledInputs(page), []);
  const css = await page.$eval('link[rel=stylesheet]', (el) => el.getAttribute('href'));
  assert.match(css, /^\/assets\/app\.[0-9a-f]{12}\.css$/);
  const asset = await page.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, cache: r.headers.get('cache-control') };
  }, css);
  assert.deepEqual(asset, { status: 200, cache: 'public, max-age=31536000, immutable' });
  assert.equal(await page.evaluate(() => typeof window.htmx), 'object', 'htmx did not load');
  await shot(page, 'login');
  assert.deepEqual(page.errors, []);
  await page.browserContext().close();
});

test('wrong password: stays on sign-in with a message; XSS in the e-mail field is inert', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/login`, { waitUntil: 'networkidle0' });
  for (const payload of XSS) {
    await page.$eval('form[data-testid=login-form]', (f) => { f.noValidate = true; });
    await page.$eval('#email', (el, v) => { el.type = 'text'; el.value = v; }, payload);
    await page.type('#password', 'wrong-password');
    const [res] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'networkidle0' }),
      page.click('button[type=submit]'),
    ]);
    assert.equal(res.status(), 401);
    assert.match(await text(page, '#login-error'), /do not match/);
    assert.equal(await page.$eval('#email', (el) => el.value), payload, 'payload shown as text');
    await assertNoXss(page);
  }
  await shot(page, 'login-error');
  await page.browserContext().close();
});

test('admin signs in and sees the dashboard with edit actions', async () => {
  const page = await dashboardPage(ADMIN);
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await text(page, '[data-testid=dashboard-email]'), ADMIN.email);
  assert.equal(await text(page, '[data-testid=dashboard-role]'), 'Admin');
  assert.ok(await page.$('[data-testid=action-create-api-key]'), 'admin sees "Create an API key"');
  assert.ok(await page.$('nav a[href="/admin/api-keys"]'), 'admin sees API keys in the navigation');
  if (process.env.MULTI_ORG === '1') {
    assert.ok(await page.$('#org-switch'), 'the org switcher is shown for a user in two orgs');
  }
  const cookies = await page.cookies();
  const session = cookies.find((c) => c.name === 'signx_session');
  assert.ok(session && session.httpOnly && session.sameSite === 'Lax', 'HttpOnly SameSite=Lax session cookie');
  assert.deepEqual(await unlabelledInputs(page), []);
  await shot(page, 'dashboard-admin');
  await page.setViewport({ width: 768, height: 1024 });
  await shot(page, 'dashboard-admin-tablet');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('admin creates an API key (shown once, XSS in its name inert), revokes it, sees the audit log', async () => {
  const page = await dashboardPage(ADMIN);
  await page.goto(`${BASE}/admin/api-keys`, { waitUntil: 'networkidle0' });
  await shot(page, 'api-keys');
  assert.deepEqual(await unlabelledInputs(page), []);
  const name = XSS.join('');  // 99 characters, under the 100 the field allows
  await page.type('#key-name', name);
  await page.click('input[name=scopes][value="leads:read"]');
  const [res] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'networkidle0' }),
    page.click('[data-testid=create-key-form] button[type=submit]'),
  ]);
  assert.equal(res.status(), 201);
  const secret = await page.$eval('[data-testid=new-key-secret]', (el) => el.value);
  assert.match(secret, /^sx_/);
  const names = await page.$$eval('[data-testid=key-name]', (els) => els.map((e) => e.textContent));
  assert.ok(names.includes(name), 'the key name is shown as text');
  await assertNoXss(page);
  await shot(page, 'api-key-created');

  // Shown once: a reload lists the key but not its secret.
  await page.goto(`${BASE}/admin/api-keys`, { waitUntil: 'networkidle0' });
  assert.equal(await page.$('[data-testid=new-key-secret]'), null);
  assert.equal((await page.content()).includes(secret), false);

  // Revoke through htmx (hx-post with the CSRF header; the dialog is accepted).
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'networkidle0' }),
    page.click('form[action$="/revoke"] button'),
  ]);
  assert.match(await text(page, '.flash'), /revoked/);
  await assertNoXss(page);
  await shot(page, 'api-key-revoked');

  await page.goto(`${BASE}/admin/audit`, { waitUntil: 'networkidle0' });
  const audit = await page.content();
  assert.ok(audit.includes('api_key.create') && audit.includes('api_key.revoke'), 'audit shows the key changes');
  await shot(page, 'audit');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a POST without the CSRF token is refused with 403 and changes nothing', async () => {
  const page = await dashboardPage(ADMIN);
  await page.goto(`${BASE}/admin/api-keys`, { waitUntil: 'networkidle0' });
  const before = await page.$$eval('[data-testid=key-name]', (els) => els.length);
  const status = await page.evaluate(async () => {
    const r = await fetch('/admin/api-keys', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'name=csrf-less&scopes=leads%3Aread',
    });
    return r.status;
  });
  assert.equal(status, 403);
  // The same with a real form submission whose token was removed: the 403 page is shown.
  await page.$eval('[data-testid=create-key-form] input[name=csrf_token]', (el) => el.remove());
  await page.type('#key-name', 'csrf-less form');
  await page.click('input[name=scopes][value="leads:read"]');
  const [res] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'networkidle0' }),
    page.click('[data-testid=create-key-form] button[type=submit]'),
  ]);
  assert.equal(res.status(), 403);
  assert.ok(await page.$('[data-testid=error-page]'));
  await shot(page, 'csrf-refused');
  await page.goto(`${BASE}/admin/api-keys`, { waitUntil: 'networkidle0' });
  const names = await page.$$eval('[data-testid=key-name]', (els) => els.map((e) => e.textContent));
  assert.equal(names.length, before);
  assert.ok(!names.some((n) => n.startsWith('csrf-less')));
  // Signing out is a POST too.
  const logout = await page.evaluate(async () => (await fetch('/logout', { method: 'POST' })).status);
  assert.equal(logout, 403);
  await page.close();
});

test('a viewer sees no edit actions, and the server refuses them anyway', async () => {
  const page = await newPage();
  await logIn(page, VIEWER);
  assert.equal(await text(page, '[data-testid=dashboard-role]'), 'Viewer');
  assert.equal(await page.$('[data-testid=action-create-api-key]'), null);
  assert.equal(await page.$('a[href^="/admin"]'), null, 'no admin links for a viewer');
  assert.equal(await page.$('main form[method=post]'), null, 'no edit forms on the viewer dashboard');
  if (CAPABILITY_PAGES) {
    const cards = await page.$$eval('.card a', (els) => els.map((e) => e.getAttribute('href')));
    assert.ok(cards.includes('/leads'), 'a viewer may open Leads (read only)');
    assert.ok(!cards.includes('/estimating'), 'a viewer may not predict costs');
  } else {
    assert.ok(await page.$('[data-testid=empty-sections]'), 'the empty state explains what to do');
  }
  await shot(page, 'dashboard-viewer');
  const res = await page.goto(`${BASE}/admin/api-keys`, { waitUntil: 'networkidle0' });
  assert.equal(res.status(), 403);
  await shot(page, 'forbidden-viewer');
  const status = await postForm(page, '/admin/api-keys', { name: 'viewer-key', scopes: 'leads:read' });
  assert.equal(status, 403, 'a viewer with a valid CSRF token is still refused');
  await page.browserContext().close();
});

const noCapabilities = CAPABILITY_PAGES ? false : 'the Leads and Estimating pages need the signx server';

test('leads page: the empty state or the labelled scoring form; models listed', { skip: noCapabilities }, async () => {
  const page = await dashboardPage(ADMIN);
  assert.ok(await page.$('nav a[href="/leads"]'), 'Leads in the navigation');
  const res = await page.goto(`${BASE}/leads`, { waitUntil: 'networkidle0' });
  assert.equal(res.status(), 200);
  assert.deepEqual(await unlabelledInputs(page), []);
  if (HAS_LEAD_MODEL) {
    assert.ok(await page.$('[data-testid=lead-score-form]'), 'an admin sees the scoring form');
  } else {
    assert.match(await text(page, '[data-testid=empty-leads-model]'), /signx train leads/);
  }
  await shot(page, 'leads');
  await page.goto(`${BASE}/leads/models`, { waitUntil: 'networkidle0' });
  if (HAS_LEAD_MODEL) {
    const states = await page.$$eval('[data-testid=model-state]', (els) => els.map((e) => e.textContent.trim()));
    assert.ok(states.includes('production'), 'the production version is listed');
    assert.ok(await page.$('details .card-summary'), 'the model card summary is shown');
  } else {
    assert.ok(await page.$('[data-testid=empty-models]'));
  }
  await shot(page, 'leads-models');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('admin scores a lead through the form and sees a tier; bad input is explained beside the field',
  { skip: noCapabilities || (HAS_LEAD_MODEL ? false : 'no lead model (the leads CSV is missing)') }, async () => {
    const page = await dashboardPage(ADMIN);
    await page.goto(`${BASE}/leads`, { waitUntil: 'networkidle0' });
    // Invalid number: 422 with the message beside the field; the XSS payload in the id stays text.
    await page.type('#lead-lead_id', XSS[1]);
    await page.type('#lead-total_visits', 'lots');
    let res = await submit(page, '[data-testid=score-lead]', 'networkidle0');
    assert.equal(res.status(), 422);
    assert.match(await text(page, '[data-testid=field-error-total_visits]'), /./);
    assert.equal(await page.$eval('#lead-total_visits', (el) => el.getAttribute('aria-invalid')), 'true');
    assert.equal(await page.$eval('#lead-lead_id', (el) => el.value), XSS[1]);
    await assertNoXss(page);
    await shot(page, 'leads-validation');

    await page.$eval('#lead-total_visits', (el) => { el.value = '7'; });
    const origin = await page.$$eval('#lead-lead_origin option', (els) => els.map((e) => e.value).filter((v) => v));
    if (origin.length) await page.select('#lead-lead_origin', origin[0]);
    res = await submit(page, '[data-testid=score-lead]', 'networkidle0');
    assert.equal(res.status(), 200);
    assert.match(await text(page, '[data-testid=lead-tier]'), /^[A-E]$/);
    assert.match(await text(page, '[data-testid=lead-score]'), /^\d+(\.\d)? %$/);
    assert.equal(await text(page, '[data-testid=lead-result-id]'), XSS[1]);
    const bars = await page.$$eval('[data-testid=lead-reasons-chart] svg rect', (els) => els.length);
    assert.ok(bars > 0, 'the reasons are drawn as bars');
    await assertNoXss(page);
    await shot(page, 'leads-scored');
    assert.deepEqual(unexpectedErrors(page, [422]), []);
    await page.close();
  });

test('admin predicts a cost and sees the interval, drivers and similar jobs', { skip: noCapabilities }, async () => {
  const page = await dashboardPage(ADMIN);
  assert.ok(await page.$('nav a[href="/estimating"]'), 'Estimating in the navigation');
  await page.goto(`${BASE}/estimating`, { waitUntil: 'networkidle0' });
  assert.deepEqual(await unlabelledInputs(page), []);
  await shot(page, 'estimating');
  if (!HAS_COST_MODEL) {
    assert.match(await text(page, '[data-testid=empty-cost-model]'), /signx/);
    await page.close();
    return;
  }
  // Out-of-range width and an XSS payload in a text field: messages beside both fields.
  await page.$eval('#spec-width_in', (el) => { el.value = '9000'; });
  await page.type('#spec-finish', XSS[0]);
  let res = await submit(page, '[data-testid=predict-cost]', 'networkidle0');
  assert.equal(res.status(), 422);
  assert.match(await text(page, '[data-testid=field-error-width_in]'), /600/);
  assert.match(await text(page, '[data-testid=field-error-finish]'), /./);
  assert.equal(await page.$eval('#spec-finish', (el) => el.value), XSS[0]);
  await assertNoXss(page);
  await shot(page, 'estimating-validation');

  await page.$eval('#spec-width_in', (el) => { el.value = '120'; });
  await page.$eval('#spec-finish', (el) => { el.value = 'powder_coat'; });
  await page.select('#spec-sign_type', 'monument');
  res = await submit(page, '[data-testid=predict-cost]', 'networkidle0');
  assert.equal(res.status(), 200);
  assert.match(await text(page, '[data-testid=cost-predicted]'), /^\$[\d,]+$/);
  assert.match(await text(page, '[data-testid=cost-interval]'), /\$[\d,]+ to \$[\d,]+/);
  const bars = await page.$$eval('[data-testid=cost-drivers-chart] svg rect', (els) => els.length);
  assert.ok(bars > 0, 'the drivers are drawn as bars');
  // This org has no cost model of its own: it is priced by the platform default, and another
  // org's past jobs are never shown to it (the assumptions say why the list is empty).
  const similar = await page.$$eval('[data-testid=similar-jobs] tbody tr', (els) => els.length);
  assert.equal(similar, 0, 'no other org\'s past jobs are listed');
  assert.match(await text(page, '[data-testid=cost-assumptions]'), /platform default/);
  assert.match(await text(page, '[data-testid=cost-anomaly]'), /^\d/);
  await shot(page, 'estimating-predicted');
  await page.setViewport({ width: 768, height: 1024 });
  await shot(page, 'estimating-predicted-tablet');
  assert.deepEqual(unexpectedErrors(page, [422]), []);
  await page.close();
  // The demo org has its own cost model, trained on its own history: its similar past jobs show.
  if (!DEMO_ADMIN.email) return;
  const demo = await dashboardPage(DEMO_ADMIN);
  await demo.goto(`${BASE}/estimating`, { waitUntil: 'networkidle0' });
  await demo.$eval('#spec-width_in', (el) => { el.value = '120'; });
  await demo.select('#spec-sign_type', 'monument');
  res = await submit(demo, '[data-testid=predict-cost]', 'networkidle0');
  assert.equal(res.status(), 200);
  const own = await demo.$$eval('[data-testid=similar-jobs] tbody tr', (els) => els.length);
  assert.ok(own > 0, 'the demo org sees similar past jobs of its own');
  await shot(demo, 'estimating-predicted-demo');
  await demo.close();
});

test('projects: empty state for a new org, pagination for the demo history', { skip: noCapabilities }, async () => {
  const page = await dashboardPage(ADMIN);
  await page.goto(`${BASE}/estimating/projects`, { waitUntil: 'networkidle0' });
  assert.deepEqual(await unlabelledInputs(page), []);
  assert.match(await text(page, '[data-testid=empty-projects]'), /signx import cost-records/);
  await shot(page, 'projects-empty');
  await page.close();
  if (!DEMO_ADMIN.email) return;
  const demo = await dashboardPage(DEMO_ADMIN);
  await demo.goto(`${BASE}/estimating/projects`, { waitUntil: 'networkidle0' });
  const first = await demo.$$eval('[data-testid=project-name]', (els) => els.map((e) => e.textContent));
  assert.equal(first.length, 25);
  await shot(demo, 'projects');
  await submit(demo, '[data-testid=next-page]', 'networkidle0');
  const second = await demo.$$eval('[data-testid=project-name]', (els) => els.map((e) => e.textContent));
  assert.equal(second.length, 25);
  assert.ok(await demo.$('[data-testid=first-page]'));
  assert.notDeepEqual(second, first);
  await shot(demo, 'projects-page-2');
  assert.deepEqual(demo.errors, []);
  await demo.close();
});

test('a viewer sees no promote or rollback button, no scoring form, and cannot predict', { skip: noCapabilities }, async () => {
  const page = await dashboardPage(VIEWER);
  await page.goto(`${BASE}/leads/models`, { waitUntil: 'networkidle0' });
  assert.equal(await page.$('[data-testid=promote]'), null, 'no promote button for a viewer');
  assert.equal(await page.$('[data-testid=rollback]'), null, 'no rollback button for a viewer');
  assert.equal(await page.$('main form[method=post]'), null);
  await shot(page, 'leads-models-viewer');
  await page.goto(`${BASE}/leads`, { waitUntil: 'networkidle0' });
  assert.equal(await page.$('[data-testid=lead-score-form]'), null);
  await shot(page, 'leads-viewer');
  assert.equal(await page.$('nav a[href="/estimating"]'), null);
  const res = await page.goto(`${BASE}/estimating`, { waitUntil: 'networkidle0' });
  assert.equal(res.status(), 403);
  // The server refuses a promote from a viewer even with a valid CSRF token.
  const status = await postForm(page, '/leads/models/rollback');
  assert.equal(status, 403);
  await page.close();
});

// ---- long-running work: CSV scoring, quotes with PDF, live activity ----

const CSV_HEADER = 'Prospect ID,Lead Origin,Lead Source,TotalVisits,Total Time Spent on Website,Page Views Per Visit,Notes';

async function uploadCsv(page, file) {
  const input = await page.$('#csv-file');
  await input.uploadFile(file);
  return submit(page, '[data-testid=csv-upload]', 'networkidle0');
}

test('admin uploads a CSV of leads, sees progress, the tier chart, and downloads the scored file',
  { skip: noCapabilities || (HAS_LEAD_MODEL ? false : 'no lead model (the leads CSV is missing)') }, async () => {
    const page = await dashboardPage(ADMIN);
    await page.goto(`${BASE}/leads/csv`, { waitUntil: 'networkidle0' });
    assert.deepEqual(await unlabelledInputs(page), []);
    await shot(page, 'leads-csv');

    // A file whose header does not match the schema: refused before queueing, with the reason.
    let res = await uploadCsv(page, writeTemp('wrong.csv', 'Name,Colour\nAda,red\n'));
    assert.equal(res.status(), 422);
    assert.match(await text(page, '[data-testid=csv-problems]'), /Prospect ID/);
    await shot(page, 'leads-csv-rejected');
    // Not UTF-8 (Latin-1 bytes): refused too.
    res = await uploadCsv(page, writeTemp('latin1.csv', Buffer.from(`${CSV_HEADER}\nL1,API,Caf\xe9,1,2,3,x\n`, 'latin1')));
    assert.equal(res.status(), 422);
    assert.match(await text(page, '[data-testid=csv-problems]'), /UTF-8/);

    // 120 leads, one with an invalid visit count and one whose id and notes are XSS payloads.
    const rows = [CSV_HEADER];
    const sources = ['Google', 'Direct Traffic', 'Olark Chat', 'Reference', 'Organic Search'];
    for (let i = 0; i < 120; i++) {
      rows.push(`L${i},Landing Page Submission,${sources[i % 5]},${i % 15},${(i * 37) % 1500},${(i % 7) + 0.5},ok`);
    }
    rows.push(`"${XSS[1].replace(/"/g, '""')}",API,Google,3,120,1.5,"${XSS[0]}"`);
    rows.push('L-bad,API,Google,lots,10,1,bad visits');
    res = await uploadCsv(page, writeTemp('my leads.csv', rows.join('\n') + '\n'));
    assert.equal(res.status(), 200);
    assert.match(new URL(page.url()).pathname, /^\/leads\/csv\/job_/);
    assert.match(await text(page, '.flash'), /122 rows queued/);
    await shot(page, 'leads-csv-progress');
    // htmx polls the status until the download link appears.
    await page.waitForSelector('[data-testid=csv-download]', { timeout: 120000 });
    assert.equal(await text(page, '[data-testid=csv-rows]'), '122');
    assert.equal(await text(page, '[data-testid=csv-scored]'), '121');
    assert.equal(await text(page, '[data-testid=csv-invalid]'), '1');
    assert.match(await text(page, '[data-testid=csv-row-problems]'), /Row 122 · total_visits/);
    const bars = await page.$$eval('[data-testid=csv-tier-chart] svg rect', (els) => els.length);
    assert.equal(bars, 5, 'one bar per tier');
    await assertNoXss(page);
    await shot(page, 'leads-csv-done');
    await page.setViewport({ width: 768, height: 1024 });
    await shot(page, 'leads-csv-done-tablet');
    await page.setViewport({ width: 1366, height: 900 });

    const href = await page.$eval('[data-testid=csv-download]', (el) => el.getAttribute('href'));
    const download = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), body: await r.text() };
    }, href);
    assert.equal(download.status, 200);
    assert.match(download.type, /^text\/csv/);
    assert.match(download.disposition, /attachment; filename="my_leads-scored\.csv"/);
    const lines = download.body.trim().split(/\r?\n/);
    assert.equal(lines[0], `${CSV_HEADER},score,tier,bucket,error`);
    assert.equal(lines.length, 123);
    assert.match(lines[1], /^L0,.*,0\.\d{4},[A-E],[1-5],$/);
    assert.match(lines[122], /^L-bad,.*,,,,.*total_visits/);

    // The list shows the file; a viewer sees it but cannot upload.
    await page.goto(`${BASE}/leads/csv`, { waitUntil: 'networkidle0' });
    assert.match(await text(page, '[data-testid=csv-jobs]'), /my leads\.csv/);
    const viewer = await dashboardPage(VIEWER);
    await viewer.goto(`${BASE}/leads/csv`, { waitUntil: 'networkidle0' });
    assert.equal(await viewer.$('[data-testid=csv-upload-form]'), null, 'no upload form for a viewer');
    assert.ok(await viewer.$('[data-testid=csv-read-only]'));
    const jobUrl = await page.$eval('[data-testid=csv-jobs] a', (el) => el.getAttribute('href'));
    const viewerRes = await viewer.goto(`${BASE}${jobUrl}`, { waitUntil: 'networkidle0' });
    assert.equal(viewerRes.status(), 200, 'a viewer of the same org can open the result');
    const csrf = await viewer.$eval('input[name=csrf_token]', (el) => el.value);
    const status = await viewer.evaluate(async (token) => {
      const form = new FormData();
      form.append('csrf_token', token);
      form.append('file', new Blob(['Prospect ID\nL1\n'], { type: 'text/csv' }), 'x.csv');
      return (await fetch('/leads/csv', { method: 'POST', body: form })).status;
    }, csrf);
    assert.equal(status, 403, 'the server refuses an upload from a viewer');
    await shot(viewer, 'leads-csv-viewer');
    await viewer.close();
    assert.deepEqual(unexpectedErrors(page, [422]).filter((e) => !/status of 415/.test(e)), []);
    await page.close();
  });

test('a CSV upload without the CSRF token is refused', { skip: noCapabilities }, async () => {
  const page = await dashboardPage(ADMIN);
  await page.goto(`${BASE}/leads/csv`, { waitUntil: 'networkidle0' });
  const status = await page.evaluate(async () => {
    const form = new FormData();
    form.append('file', new Blob(['Prospect ID\nL1\n'], { type: 'text/csv' }), 'x.csv');
    return (await fetch('/leads/csv', { method: 'POST', body: form, headers: { 'X-CSRF-Token': '' } })).status;
  });
  assert.equal(status, 403);
  await page.close();
});

test('admin creates a quote from a prediction, watches the PDF render, opens it; the dashboard shows it live',
  { skip: noCapabilities || (HAS_COST_MODEL ? false : 'no cost model') }, async () => {
    // The dashboard, open in another tab, receives the quote.created event over SSE.
    const dashboard = await dashboardPage(ADMIN);
    await dashboard.waitForSelector('[data-testid=activity-status]', { timeout: 15000 });
    await dashboard.waitForFunction(
      () => /Live/.test(document.querySelector('[data-testid=activity-status]').textContent), { timeout: 15000 });
    const before = await dashboard.$$eval('[data-testid=activity-item]', (els) => els.length);
    await shot(dashboard, 'dashboard-activity');

    const page = await dashboardPage(ADMIN);
    await page.goto(`${BASE}/estimating`, { waitUntil: 'networkidle0' });
    await page.$eval('#spec-width_in', (el) => { el.value = '96'; });
    await page.select('#spec-sign_type', 'monument');
    let res = await submit(page, '[data-testid=predict-cost]', 'networkidle0');
    assert.equal(res.status(), 200);
    assert.ok(await page.$('[data-testid=quote-form]'), 'a member or admin may create a quote');
    assert.deepEqual(await unlabelledInputs(page), []);
    await page.$eval('#quote-description', (el, v) => { el.value = v; }, XSS[2]);
    await page.$eval('#quote-rate', (el) => { el.value = '40'; });
    await page.$eval('#quote-quantity', (el) => { el.value = '2'; });
    res = await submit(page, '[data-testid=create-quote]', 'networkidle0');
    assert.equal(res.status(), 200);
    assert.match(new URL(page.url()).pathname, /^\/estimating\/quotes\/quo_/);
    assert.match(await text(page, '[data-testid=quote-lines]'), /svg onload/);  // shown as text
    assert.match(await text(page, '[data-testid=quote-price]'), /^\$[\d,]+$/);
    await assertNoXss(page);
    await shot(page, 'quote');
    await page.waitForSelector('[data-testid=quote-pdf-link]', { timeout: 120000 });
    await shot(page, 'quote-pdf-ready');
    const href = await page.$eval('[data-testid=quote-pdf-link]', (el) => el.getAttribute('href'));
    const pdf = await page.evaluate(async (u) => {
      const r = await fetch(u);
      const bytes = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, type: r.headers.get('content-type'), head: String.fromCharCode(...bytes.slice(0, 5)) };
    }, href);
    assert.deepEqual(pdf, { status: 200, type: 'application/pdf', head: '%PDF-' });

    // A background tab gets no animation frames (puppeteer's default polling): front, timer polling.
    await dashboard.bringToFront();
    await dashboard.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=activity-item]').length > n,
      { timeout: 30000, polling: 200 }, before);
    assert.match(await text(dashboard, '[data-testid=activity-list]'), /Quote created/);
    await shot(dashboard, 'dashboard-activity-live');
    assert.deepEqual(unexpectedErrors(page, [422]), []);
    await dashboard.close();
    await page.close();
  });

test('admin imports a cost history: the accept/reject report, then the import history',
  { skip: noCapabilities || (process.env.IMPORT_CSV ? false : 'signx demo generate gave no file') }, async () => {
    const page = await dashboardPage(ADMIN);
    await page.goto(`${BASE}/estimating/imports`, { waitUntil: 'networkidle0' });
    assert.deepEqual(await unlabelledInputs(page), []);
    assert.ok(await page.$('[data-testid=empty-imports]'), 'an empty state before the first import');
    await shot(page, 'imports-empty');
    // The generated history with its last row repeated (a duplicate record id), valid rows only.
    const csv = fs.readFileSync(process.env.IMPORT_CSV, 'utf8').trimEnd().split('\n');
    const total = csv.length;  // header + rows, + the duplicate = rows + 1 data rows
    csv.push(csv[csv.length - 1]);
    const input = await page.$('#import-file');
    await input.uploadFile(writeTemp('history <b>x<i>.csv', csv.join('\n') + '\n'));
    await page.select('#import-partial', 'yes');
    const res = await submit(page, '[data-testid=import-upload]', 'networkidle0');
    assert.equal(res.status(), 200);
    assert.match(new URL(page.url()).pathname, /^\/estimating\/imports\/imp_/);
    assert.equal(await text(page, '[data-testid=import-total]'), String(total));
    assert.equal(await text(page, '[data-testid=import-rejected]'), '1');
    assert.equal(await text(page, '[data-testid=import-accepted]'), String(total - 1));
    const rejected = await page.$$eval('[data-testid=import-rejected-rows] tbody tr', (els) => els.length);
    assert.equal(rejected, 1);
    await assertNoXss(page);
    await shot(page, 'import-report');
    await page.goto(`${BASE}/estimating/imports`, { waitUntil: 'networkidle0' });
    assert.match(await text(page, '[data-testid=import-history]'), /history <b>x<i>\.csv/);
    await shot(page, 'imports-history');
    // A viewer sees the history but no upload form.
    const viewer = await dashboardPage(VIEWER);
    await viewer.goto(`${BASE}/estimating/imports`, { waitUntil: 'networkidle0' });
    assert.equal(await viewer.$('[data-testid=import-form]'), null);
    assert.ok(await viewer.$('[data-testid=import-history]'));
    await viewer.close();
    assert.deepEqual(unexpectedErrors(page, [422]), []);
    await page.close();
  });

test('a viewer gets no quote form and cannot open the activity feed', { skip: noCapabilities }, async () => {
  const page = await dashboardPage(VIEWER);
  assert.equal(await page.$('[data-testid=dashboard-activity]'), null);
  const res = await page.goto(`${BASE}/activity`, { waitUntil: 'networkidle0' });
  assert.equal(res.status(), 403);
  const status = await postForm(page, '/estimating/quotes',
    { cost_cents: '100000', quantity: '1', rate_pct: '10', contingency_pct: '0' });
  assert.equal(status, 403);
  await page.close();
});

test('admin adds a webhook (secret shown once), sends a test and sees the delivery log', { skip: noCapabilities }, async (t) => {
  const page = await dashboardPage(ADMIN);
  const res = await page.goto(`${BASE}/admin/webhooks`, { waitUntil: 'networkidle0' });
  if (res.status() === 404) {
    t.skip('the webhook pages are not wired into this server (web::AddWebhookPages)');
    await page.close();
    return;
  }
  assert.equal(res.status(), 200);
  assert.deepEqual(await unlabelledInputs(page), []);
  assert.ok(await page.$('[data-testid=empty-webhooks]'));
  await shot(page, 'webhooks-empty');
  await page.$eval('#webhook-url', (el) => { el.value = 'http://127.0.0.1:9/hook'; });
  await page.$eval('#webhook-types', (el) => { el.value = 'quote.*, webhook.test'; });
  await page.type('#webhook-description', XSS[0]);
  const created = await submit(page, '[data-testid=create-webhook]', 'networkidle0');
  assert.equal(created.status(), 201);
  assert.match(await page.$eval('[data-testid=webhook-secret]', (el) => el.value), /^whsec_/);
  await assertNoXss(page);
  await shot(page, 'webhook-created');
  await page.goto(`${BASE}/admin/webhooks`, { waitUntil: 'networkidle0' });
  assert.equal(await page.$('[data-testid=webhook-secret]'), null, 'the secret is shown once');
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('[data-testid=webhook-endpoints] a')]);
  await submit(page, '[data-testid=webhook-send-test]', 'networkidle0');
  assert.match(await text(page, '[data-testid=webhook-deliveries]'), /webhook\.test/);
  await shot(page, 'webhook-deliveries');
  assert.deepEqual(unexpectedErrors(page, [422]), []);
  await page.close();
  const viewer = await dashboardPage(VIEWER);
  assert.equal(await viewer.$('nav a[href="/admin/webhooks"]'), null);
  const denied = await viewer.goto(`${BASE}/admin/webhooks`, { waitUntil: 'networkidle0' });
  assert.equal(denied.status(), 403);
  await viewer.close();
});

test('a user in two orgs switches org after confirming the password', { skip: process.env.MULTI_ORG !== '1' }, async () => {
  const page = await newPage();
  await logIn(page, ADMIN);
  const before = await text(page, '[data-testid=dashboard-org]');
  const other = await page.$$eval('#org-switch option:not([selected])', (els) => els.map((e) => e.value));
  await page.select('#org-switch', other[0]);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'networkidle0' }),
    page.click('.org-switcher button'),
  ]);
  assert.equal(await page.$eval('#email', (el) => el.readOnly), true);
  await shot(page, 'switch-org');
  await page.type('#password', ADMIN.password);
  await Promise.all([
    page.waitForNavigation({ waitUntil: DASHBOARD_WAIT }),
    page.click('[data-testid=login-form] button[type=submit]'),
  ]);
  assert.notEqual(await text(page, '[data-testid=dashboard-org]'), before);
  assert.match(await text(page, '.flash'), /Switched/);
  await page.browserContext().close();
});

test('sign out ends the session', async () => {
  const page = await newPage();
  await logIn(page, ADMIN);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'networkidle0' }),
    page.click('form[action="/logout"] button'),
  ]);
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.match(await text(page, '.flash'), /signed out/);
  await shot(page, 'signed-out');
  const res = await page.goto(`${BASE}/`, { waitUntil: 'networkidle0' });
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.equal(res.status(), 200);
  await page.browserContext().close();
});
