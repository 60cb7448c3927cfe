// Browser tests of the studio pages (issue 16 §8) on the real `signx serve`: the project board by
// state with its move buttons and guards and its search box, the project page's payload editor
// (errors beside the fields, the structure calculation with its trace table, the elevation
// drawing), the "changed by someone else — reload" answer to a stale save or move (412) and the
// report PDF.
// Run by tests/browser/run.sh --suite studio; the project is created through the API (API_KEY).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN, VIEWER, XSS, api, assertNoXss, emptyElements, flashes, open, postForm, shot, signedInPage,
  startBrowser, stopBrowser, submit, text, texts, unexpectedErrors, unlabelledInputs, until,
} from './lib.mjs';

before(startBrowser);
after(stopBrowser);

const STALE = 'changed by someone else — reload';

// A structure that passes: 8 × 4 ft sign, top 20 ft, 115 mph exposure C, HSS8.625x0.322,
// soil class 4, 2.5 ft pier 8 ft deep (the required embedment is about 7.4 ft).
const PASSING = {
  wind_speed_mph: '115', exposure: 'C', sign_width_ft: '8', sign_height_ft: '4', top_height_ft: '20',
  'pole.diameter_in': '8.625', 'pole.wall_in': '0.322', soil_class: '4', footing_diameter_ft: '2.5',
  embedment_ft: '8',
};

const fieldId = (name) => `#studio-structure-${name.replace(/\./g, '-')}`;

async function fillStructure(page, values) {
  for (const [name, value] of Object.entries(values)) {
    const sel = fieldId(name);
    const tag = await page.$eval(sel, (el) => el.tagName);
    if (tag === 'SELECT') {
      await page.select(sel, value);
    } else {
      await page.$eval(sel, (el, v) => { el.value = v; }, value);
    }
  }
}

// The status column a card is in on the board, or null.
async function columnOf(page, id) {
  return page.evaluate((pid) => {
    const card = document.querySelector(`[data-testid="card-${pid}"]`);
    const col = card && card.closest('[data-testid^="column-"]');
    return col ? col.dataset.testid.slice('column-'.length) : null;
  }, id);
}

let projectId = '';

test('board: a new project moves draft → design → engineering with the buttons; a refused move names its guard', async () => {
  const created = await api('POST', '/v1/projects', { body: { name: `Riverside pylon ${XSS[1]}`, customer: 'Riverside Plaza' } });
  assert.equal(created.status, 201, created.text);
  projectId = created.json.id;
  const bare = await api('POST', '/v1/projects', { body: { name: 'Walk-in enquiry' } });
  assert.equal(bare.status, 201, bare.text);

  const page = await signedInPage(ADMIN);
  let res = await open(page, '/studio');
  assert.equal(res.status(), 200);
  assert.ok(await page.$('nav a[href="/studio"]'), 'Studio in the navigation');
  assert.equal(await columnOf(page, projectId), 'draft');
  assert.match(await text(page, `[data-testid="card-${projectId}"] h3`), /Riverside pylon/);
  await assertNoXss(page);  // the name holds an XSS payload: shown as text
  // A project without a customer has no empty customer line on its card.
  assert.match(await text(page, `[data-testid="card-${bare.json.id}"] h3`), /Walk-in enquiry/);
  assert.deepEqual(await emptyElements(page, '[data-testid=studio-board] .hint'), []);
  await shot(page, 'studio-board');

  res = await submit(page, `[data-testid="move-${projectId}-design"]`);
  assert.equal(res.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/studio');
  assert.ok((await flashes(page)).some((f) => /Moved to Design/.test(f)), 'the move is confirmed');
  assert.equal(await columnOf(page, projectId), 'design');
  await submit(page, `[data-testid="move-${projectId}-engineering"]`);
  assert.equal(await columnOf(page, projectId), 'engineering');

  // Leaving engineering needs a passing structure calculation: the button is disabled and the
  // guard is named beside it.
  assert.equal(await page.$(`[data-testid="move-${projectId}-estimating"]`), null);
  assert.equal(await page.$eval(`[data-testid="refused-${projectId}-estimating"]`, (b) => b.disabled), true);
  assert.match(await text(page, `[data-testid="guard-${projectId}-estimating"]`), /structure_check_passed/);
  await shot(page, 'studio-board-guard');

  // The server refuses the move even when it is sent anyway (the form the button would have had),
  // and the board says which guard failed.
  const [refused] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.evaluate((pid) => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = `/studio/projects/${pid}/move`;
      const csrf = document.querySelector('input[name=csrf_token]').value;
      const card = document.querySelector(`[data-testid="card-${pid}"]`);
      const version = card.querySelector('input[name=version]').value;
      for (const [k, v] of Object.entries({ csrf_token: csrf, version, to: 'estimating', back: 'board' })) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = k;
        input.value = v;
        form.appendChild(input);
      }
      document.body.appendChild(form);
      form.submit();
    }, projectId),
  ]);
  assert.equal(refused.status(), 200);
  const refusal = (await flashes(page)).join(' ');
  assert.match(refusal, /Not moved to Estimating/);
  assert.match(refusal, /structure_check_passed/);
  assert.equal(await columnOf(page, projectId), 'engineering', 'nothing moved');
  await shot(page, 'studio-board-refused');
  assert.deepEqual(unexpectedErrors(page), []);
  await page.close();
});

test('project page: a bad payload value is explained beside its field; a passing structure shows the trace and the elevation', async () => {
  assert.ok(projectId, 'the board test created the project');
  const page = await signedInPage(ADMIN);
  let res = await open(page, `/studio/projects/${projectId}`);
  assert.equal(res.status(), 200);
  assert.equal(await text(page, '[data-testid=project-status]'), 'Engineering');
  assert.equal(await text(page, '#status-heading'), 'Status: Engineering', 'no "on hold from" for a project not on hold');
  assert.deepEqual(await unlabelledInputs(page), []);
  assert.equal(await page.$('[data-testid=calculation]'), null, 'no calculation before a structure is saved');
  assert.equal(await page.$('[data-testid=elevation]'), null);
  await shot(page, 'studio-project');

  // 400 mph is outside 85–300: 422, the message beside the field, the other values kept.
  await fillStructure(page, { ...PASSING, wind_speed_mph: '400' });
  res = await submit(page, '[data-testid=save-structure]');
  assert.equal(res.status(), 422);
  assert.match(await text(page, '[data-testid="field-error-cfg.wind_speed_mph"]'), /300/);
  assert.equal(await page.$eval(fieldId('wind_speed_mph'), (el) => el.getAttribute('aria-invalid')), 'true');
  assert.equal(await page.$eval(fieldId('embedment_ft'), (el) => el.value), '8');
  assert.equal(await page.$eval(fieldId('exposure'), (el) => el.value), 'C');
  assert.match(await text(page, '[data-testid=payload-structure] h2'), /not saved yet/);
  await shot(page, 'studio-payload-invalid');

  await fillStructure(page, { wind_speed_mph: '115' });
  res = await submit(page, '[data-testid=save-structure]');
  assert.equal(res.status(), 200);
  assert.equal(new URL(page.url()).pathname, `/studio/projects/${projectId}`);
  assert.ok((await flashes(page)).some((f) => /Structure saved \(version 1\)/.test(f)));
  assert.match(await text(page, '[data-testid=payload-structure] h2'), /version 1 · sha256 [0-9a-f]{64}/);

  // The calculation: passes, with a trace of symbols, values, units and clauses.
  assert.ok(await page.$('[data-testid=calc-passed]'), 'the structure passes');
  const rows = await page.$$eval('[data-testid=calc-trace] tbody tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
  assert.ok(rows.length >= 10, `a trace of the intermediate values (${rows.length} rows)`);
  for (const row of rows) assert.equal(row.length, 4);
  const symbols = rows.map((r) => r[0]);
  assert.ok(symbols.some((s) => /^q/.test(s)), `a velocity pressure in the trace: ${symbols.join(', ')}`);
  assert.ok(rows.some((r) => /^[0-9.]+$/.test(r[1]) && r[3] !== ''), 'numeric values with their clauses');

  // The elevation, to scale, with its dimensions.
  const svg = await page.$eval('svg[data-testid=elevation]', (el) => ({
    rects: el.querySelectorAll('rect').length,
    labels: [...el.querySelectorAll('text')].map((t) => t.textContent),
    label: el.getAttribute('aria-label'),
  }));
  assert.equal(svg.rects, 3, 'sign, pole and pier');
  assert.ok(svg.labels.includes('B = 8 ft') && svg.labels.includes('h = 20 ft') && svg.labels.includes('d = 8 ft'),
    `dimensions drawn: ${svg.labels.join(' | ')}`);
  assert.match(svg.label, /8 ft wide and 4 ft tall, top 20 ft/);
  await shot(page, 'studio-structure-calculated');

  // The guard now passes: the move to estimating is offered and taken.
  res = await submit(page, '[data-testid=move-estimating]');
  assert.equal(res.status(), 200);
  assert.equal(await text(page, '[data-testid=project-status]'), 'Estimating');
  // Quoted needs a quote made from the current payloads: refused beside the button.
  assert.equal(await page.$eval('[data-testid=refused-quoted]', (b) => b.disabled), true);
  assert.match(await text(page, '[data-testid=guard-quoted]'), /^quote_current: /);
  const timeline = await texts(page, '[data-testid=timeline] li');
  assert.ok(timeline.some((t) => /Engineering → Estimating/.test(t)), `timeline: ${timeline.join(' / ')}`);
  assert.ok(timeline.some((t) => /Draft → Design/.test(t)));
  // Fields without a hint have no empty hint paragraph; events without data no empty <code>.
  assert.deepEqual(await emptyElements(page, 'main .hint, [data-testid=timeline] code'), []);
  await assertNoXss(page);
  assert.deepEqual(unexpectedErrors(page), []);
  await page.close();
});

test('a save or a move on a page someone else changed meanwhile: "changed by someone else — reload" (412)', async () => {
  assert.ok(projectId, 'the board test created the project');
  const page = await signedInPage(ADMIN);
  await open(page, `/studio/projects/${projectId}`);
  assert.match(await text(page, '[data-testid=payload-structure] h2'), /version 1/);

  // Someone else saves the structure through the API after the page was loaded.
  const current = await api('GET', `/v1/projects/${projectId}/payloads/structure`);
  assert.equal(current.status, 200, current.text);
  const etag = current.headers.get('etag');
  const other = await api('PUT', `/v1/projects/${projectId}/payloads/structure`, {
    body: { ...current.json.config, sign_width_ft: 10 }, headers: { 'If-Match': etag },
  });
  assert.equal(other.status, 200, other.text);

  await fillStructure(page, { sign_height_ft: '5' });
  let res = await submit(page, '[data-testid=save-structure]');
  assert.equal(res.status(), 412);
  assert.match(await text(page, '[data-testid=payload-notice-structure]'), new RegExp(STALE));
  assert.equal(await page.$eval(fieldId('sign_height_ft'), (el) => el.value), '5', 'the edit is kept to copy');
  await shot(page, 'studio-payload-stale');
  // Reload: the other writer's version.
  await submit(page, '[data-testid=payload-notice-structure] a');
  assert.match(await text(page, '[data-testid=payload-structure] h2'), /version 2/);
  assert.equal(await page.$eval(fieldId('sign_width_ft'), (el) => el.value), '10');
  assert.equal(await page.$eval(fieldId('sign_height_ft'), (el) => el.value), '4', 'the stale edit was not saved');

  // The project itself changes through the API (PATCH with If-Match) after the page was loaded:
  // a move from the stale page is refused with the same message, and nothing moves.
  const project = await api('GET', `/v1/projects/${projectId}`);
  const patched = await api('PATCH', `/v1/projects/${projectId}`, {
    body: { location: '1 River Rd' }, headers: { 'If-Match': project.headers.get('etag') },
  });
  assert.equal(patched.status, 200, patched.text);
  res = await submit(page, '[data-testid=move-engineering]');
  assert.equal(res.status(), 200);
  assert.ok((await flashes(page)).some((f) => f.includes(`Not moved: the project ${STALE}`)), (await flashes(page)).join(' / '));
  assert.equal(await text(page, '[data-testid=project-status]'), 'Estimating');
  const after = await api('GET', `/v1/projects/${projectId}`);
  assert.equal(after.json.status, 'estimating');
  await shot(page, 'studio-move-stale');
  assert.deepEqual(unexpectedErrors(page), []);
  await page.close();
});

test('report: generated from the project page, then downloaded as a PDF', async () => {
  assert.ok(projectId, 'the board test created the project');
  const page = await signedInPage(ADMIN);
  await open(page, `/studio/projects/${projectId}`);
  assert.equal(await page.$('[data-testid=report-state]'), null, 'no report of these payloads yet');
  let res = await submit(page, '[data-testid=report-generate]');
  assert.equal(res.status(), 200);
  assert.ok((await flashes(page)).some((f) => /report (is being generated|of these payloads is ready)/.test(f)));
  // The page says "reload in a moment": reload until the job has rendered it.
  await until('the report', async () => {
    await page.reload({ waitUntil: 'load' });
    return page.$('[data-testid=report-download]');
  }, 60000);
  assert.match(await text(page, '[data-testid=report-state]'), /Report of the current payloads: Ready\./);
  const href = await page.$eval('[data-testid=report-download]', (el) => el.getAttribute('href'));
  assert.match(href, new RegExp(`^/studio/projects/${projectId}/reports/\\w+\\.pdf$`));
  const pdf = await page.evaluate(async (u) => {
    const r = await fetch(u);
    const bytes = new Uint8Array(await r.arrayBuffer());
    return {
      status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'),
      head: String.fromCharCode(...bytes.slice(0, 5)), size: bytes.length,
    };
  }, href);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.type, 'application/pdf');
  assert.match(pdf.disposition, /^attachment; filename=".+\.pdf"$/);
  assert.equal(pdf.head, '%PDF-');
  assert.ok(pdf.size > 2000, `a real document (${pdf.size} bytes)`);
  await shot(page, 'studio-report-ready');
  assert.deepEqual(unexpectedErrors(page), []);
  await page.close();
});

test('board search: the project is found by its customer, the match highlighted', async () => {
  assert.ok(projectId, 'the board test created the project');
  const page = await signedInPage(ADMIN);
  await open(page, '/studio');
  assert.deepEqual(await unlabelledInputs(page), []);
  // The index follows the outbox: search again until the project is in it.
  const hit = await until('the project in the board search', async () => {
    await page.$eval('#studio-q', (el) => { el.value = 'plaza'; });
    await submit(page, '[data-testid=studio-search] button[type=submit]');
    return page.$(`[data-testid="hit-${projectId}"]`);
  });
  assert.equal(new URL(page.url()).search, '?q=plaza');
  const found = await hit.evaluate((el) => ({
    href: el.querySelector('h3 a').getAttribute('href'),
    text: el.textContent.replace(/\s+/g, ' '),
    marks: [...el.querySelectorAll('mark')].map((m) => m.textContent.toLowerCase()),
  }));
  assert.equal(found.href, `/studio/projects/${projectId}`);
  assert.match(found.text, /Riverside pylon .* Estimating/);
  assert.ok(found.marks.includes('plaza'), `the match is marked: ${JSON.stringify(found)}`);
  await assertNoXss(page);
  await shot(page, 'studio-search');
  // A word in no project.
  await page.$eval('#studio-q', (el) => { el.value = 'zeppelin'; });
  await submit(page, '[data-testid=studio-search] button[type=submit]');
  assert.match(await text(page, '[data-testid=studio-search-results]'), /No project matches/);
  assert.deepEqual(unexpectedErrors(page), []);
  await page.close();
});

test('a viewer sees the board and the project without move buttons or editors; the server refuses a move', async () => {
  assert.ok(projectId, 'the board test created the project');
  const page = await signedInPage(VIEWER);
  let res = await open(page, '/studio');
  assert.equal(res.status(), 200);
  assert.equal(await columnOf(page, projectId), 'estimating');
  assert.equal(await page.$('main form[method=post]'), null, 'no move forms for a viewer');
  res = await open(page, `/studio/projects/${projectId}`);
  assert.equal(res.status(), 200);
  assert.equal(await page.$('[data-testid=editor-structure]'), null, 'no payload editor for a viewer');
  assert.ok(await page.$('[data-testid=calc-trace]'), 'the calculation is readable');
  const status = await postForm(page, `/studio/projects/${projectId}/move`,
    { version: '1', to: 'on_hold', back: 'board' });
  assert.equal(status, 403);
  await shot(page, 'studio-project-viewer');
  await page.close();
});
