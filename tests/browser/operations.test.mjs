// Browser tests of the operations pages (issue 17 §9) on the real `signx serve`: an items file sent
// through the ingest page with its error report, consumption and a stock count sent through the
// API, a forecast run started with the page's button (a job the server's workers run), the item
// page's server-rendered SVG chart of history, forecast and band, and the alerts inbox with
// acknowledge and resolve. Run by tests/browser/run.sh --suite operations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN, VIEWER, XSS, api, assertNoXss, emptyElements, flashes, open, postForm, shot, signedInPage,
  startBrowser, stopBrowser, submit, text, texts, unexpectedErrors, unlabelledInputs, until, writeTemp,
} from './lib.mjs';

before(startBrowser);
after(stopBrowser);

const day = (daysAgo) => new Date(Date.now() - daysAgo * 86400000).toISOString().slice(0, 10);

// Waits until the batch's job has finished (normalized or rejected) and returns it.
async function settledBatch(id) {
  return until(`batch ${id}`, async () => {
    const b = await api('GET', `/v1/ingest/batches/${id}`);
    return b.json && ['normalized', 'rejected'].includes(b.json.status) ? b.json : null;
  });
}

// "x,y x,y ..." → [[x, y], ...]
function points(s) {
  return s.trim().split(/\s+/).map((p) => p.split(',').map(Number));
}

let acrylicId = '';
let ledId = '';

test('ingest page: an items file with one bad row (valid rows applied), its batch report names row and field', async () => {
  const page = await signedInPage(ADMIN);
  let res = await open(page, '/operations/ingest');
  assert.equal(res.status(), 200);
  assert.deepEqual(await unlabelledInputs(page), []);
  assert.ok(await page.$('[data-testid=empty-batches]'), 'nothing sent yet');
  const csv = [
    'sku,name,unit,category,lead_time_days,safety_stock,reorder_point,cost_cents',
    'ACR-3MM,Acrylic sheet 3 mm,sheet,acrylic,14,40,60,4200',
    `LED-M1,"LED module ${XSS[0]}",each,led,7,10,20,350`,
    'VIN-RED,Vinyl roll red,roll,vinyl,soon,2,4,9000',
  ].join('\n') + '\n';
  await (await page.$('#ingest-file')).uploadFile(writeTemp('erp items.csv', csv));
  await page.select('#ingest-entity', 'items');
  await page.select('#ingest-partial', 'yes');
  await page.type('#ingest-source', 'erp');
  res = await submit(page, '[data-testid=ingest-upload]');
  assert.equal(res.status(), 200);
  const match = new URL(page.url()).pathname.match(/^\/operations\/ingest\/(bat_\w+)$/);
  assert.ok(match, `the batch page opens: ${page.url()}`);
  assert.ok((await flashes(page)).some((f) => /stored and being processed/.test(f)));
  const batch = await settledBatch(match[1]);
  assert.equal(batch.status, 'normalized');

  await page.reload({ waitUntil: 'load' });
  assert.equal(await text(page, '[data-testid=batch-status]'), 'Normalized');
  assert.equal(await text(page, '[data-testid=batch-rows]'), '3');
  assert.equal(await text(page, '[data-testid=batch-applied]'), '2');
  assert.equal(await text(page, '[data-testid=batch-rejected]'), '1');
  const errors = await page.$$eval('[data-testid=batch-errors] tbody tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
  assert.equal(errors.length, 1);
  assert.equal(errors[0][0], '3', 'the third data row');
  assert.equal(errors[0][1], 'lead_time_days');
  assert.match(errors[0][2], /integer/);
  await shot(page, 'operations-batch');

  await open(page, '/operations/ingest');
  assert.match(await text(page, '[data-testid=batches]'), /erp items\.csv.*Normalized/);
  assert.deepEqual(unexpectedErrors(page), []);
  await page.close();

  const items = await api('GET', '/v1/items');
  for (const i of items.json.items) {
    if (i.sku === 'ACR-3MM') acrylicId = i.id;
    if (i.sku === 'LED-M1') ledId = i.id;
  }
  assert.ok(acrylicId && ledId, 'both valid items were created');
});

test('items page: stock below safety, "Forecast now" runs a forecast; the item page charts history, forecast and band', async () => {
  assert.ok(acrylicId, 'the ingest test created the items');
  // 120 days of acrylic consumption (5–15 sheets a day: a weekly pattern and noise), 30 on hand.
  const consumption = ['sku,quantity,at'];
  for (let i = 120; i >= 1; i--) consumption.push(`ACR-3MM,${5 + (i % 7) + ((i * 37) % 5)},${day(i)}`);
  let sent = await api('POST', '/v1/ingest/batches?entity=consumption&source=mes', {
    raw: consumption.join('\n') + '\n', headers: { 'Content-Type': 'text/csv' },
  });
  assert.equal(sent.status, 202, sent.text);
  assert.equal((await settledBatch(sent.json.id)).status, 'normalized');
  sent = await api('POST', '/v1/ingest/batches?entity=inventory&source=count', {
    raw: `sku,on_hand,on_order,at\nACR-3MM,30,0,${day(0)}\nLED-M1,500,0,${day(0)}\n`,
    headers: { 'Content-Type': 'text/csv' },
  });
  assert.equal(sent.status, 202, sent.text);
  assert.equal((await settledBatch(sent.json.id)).status, 'normalized');

  const page = await signedInPage(ADMIN);
  // A batch applied in full has no message: no empty message paragraph on its page.
  let res = await open(page, `/operations/ingest/${sent.json.id}`);
  assert.equal(res.status(), 200);
  assert.equal(await text(page, '[data-testid=batch-applied]'), '2');
  assert.equal(await page.$('[data-testid=batch-message]'), null);
  res = await open(page, '/operations');
  assert.equal(res.status(), 200);
  assert.deepEqual(await unlabelledInputs(page), []);
  const rows = await page.$$eval('[data-testid=items] tbody tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim().replace(/\s+/g, ' '))));
  const acrylic = rows.find((r) => r[0] === 'ACR-3MM');
  const led = rows.find((r) => r[0] === 'LED-M1');
  assert.ok(acrylic && led, `both items listed: ${JSON.stringify(rows)}`);
  assert.equal(acrylic[3], '30 below safety stock');
  assert.equal(led[3], '500');
  assert.equal(led[1], `LED module ${XSS[0]}`, 'the name is shown as text');
  await assertNoXss(page);

  // Before a run the item page has history but no forecast.
  await open(page, `/operations/items/${acrylicId}`);
  assert.ok(await page.$('[data-testid=no-forecast]'));
  assert.ok(await page.$('[data-testid=demand-chart] svg polyline.history-line'));
  assert.equal(await page.$('[data-testid=demand-chart] svg polyline.forecast-line'), null);

  await open(page, '/operations');
  res = await submit(page, '[data-testid=forecast-now]');
  assert.equal(res.status(), 200);
  assert.ok((await flashes(page)).some((f) => /Forecast run queued/.test(f)));
  await until('the forecast run', async () => {
    const runs = await api('GET', '/v1/forecast-runs');
    const run = runs.json && runs.json.items[0];
    assert.ok(!run || run.status !== 'failed', `the run failed: ${JSON.stringify(run)}`);
    return run && run.status === 'succeeded';
  });
  await page.reload({ waitUntil: 'load' });
  assert.match(await text(page, '[data-testid=last-run]'), /Succeeded.* 1 items forecast, 1 without demand history/);
  await shot(page, 'operations-items');

  // The item page: the chart of 90 days of history, the 28-day forecast and its band.
  res = await submit(page, `[data-testid=items] a[href="/operations/items/${acrylicId}"]`);
  assert.equal(res.status(), 200);
  const chart = await page.$eval('[data-testid=demand-chart] svg', (svg) => ({
    history: svg.querySelector('polyline.history-line')?.getAttribute('points') || '',
    forecast: svg.querySelector('polyline.forecast-line')?.getAttribute('points') || '',
    band: svg.querySelector('polygon.forecast-band')?.getAttribute('points') || '',
    desc: svg.querySelector('desc')?.textContent || '',
  }));
  const history = points(chart.history);
  const forecast = points(chart.forecast).slice(1);  // the first point is the last actual
  const band = points(chart.band);
  assert.equal(history.length, 90, 'the last 90 days of demand');
  assert.equal(forecast.length, 28, 'a 28-day forecast');
  assert.equal(band.length, 56, 'upper and lower edge of the band');
  const upper = band.slice(0, 28);
  const lower = band.slice(28).reverse();
  for (let j = 0; j < 28; j++) {
    assert.ok(forecast[j][0] > history[89][0], 'the forecast is drawn after the history');
    assert.equal(upper[j][0], forecast[j][0]);
    assert.equal(lower[j][0], forecast[j][0]);
    // SVG y grows downwards: the upper edge is above the line, the lower edge below it.
    assert.ok(upper[j][1] <= forecast[j][1] && forecast[j][1] <= lower[j][1],
      `day ${j + 1}: band ${upper[j][1]}..${lower[j][1]} around ${forecast[j][1]}`);
  }
  assert.ok(upper.some((p, j) => p[1] < lower[j][1]), 'the band has a width');
  assert.match(chart.desc, /Demand over the last 90 days: \d+ in all\. Forecast for the next 28 days/);
  assert.match(await text(page, '[data-testid=forecast-model]'), /\w/);
  assert.match(await text(page, '[data-testid=lead-time-demand]'), /^\d+(\.\d+)? sheet$/);
  // A forecast without notes has no empty notes span.
  assert.deepEqual(await emptyElements(page, 'main .hint'), []);
  assert.match(await text(page, '[data-testid=item-alerts]'), /Stockout.*Open/);
  await shot(page, 'operations-item');

  // The alert reaches the admin's in-app inbox (members without saved preferences get alerts).
  await open(page, '/notifications');
  const note = await until('the stock-out notification in the inbox', async () => {
    await page.reload({ waitUntil: 'load' });
    return (await texts(page, '[data-testid=notification]')).find((n) => /operations\.alert_opened/.test(n));
  });
  const opened = await api('GET', '/v1/forecast-alerts?status=open');
  assert.equal(opened.json.items.length, 1);
  assert.ok(note.includes(opened.json.items[0].id), `the inbox names the alert: ${note}`);
  await shot(page, 'operations-notification');

  // An item without consumption: a count, no forecast.
  await open(page, `/operations/items/${ledId}`);
  assert.ok(await page.$('[data-testid=no-forecast]'));
  assert.equal(await text(page, '[data-testid=on-hand]'), '500 each');
  assert.deepEqual(unexpectedErrors(page), []);
  await page.close();
});

test('alerts inbox: the stock-out alert is acknowledged, then resolved', async () => {
  assert.ok(acrylicId, 'the ingest test created the items');
  const page = await signedInPage(ADMIN);
  let res = await open(page, '/operations/alerts');
  assert.equal(res.status(), 200);
  const alerts = await texts(page, '[data-testid=alert]');
  assert.equal(alerts.length, 1, alerts.join(' / '));
  assert.match(alerts[0], /Stockout · ACR-3MM · Open · critical/);
  assert.match(alerts[0], /below safety stock 40/);
  await shot(page, 'operations-alerts');

  res = await submit(page, '[data-testid=alert] [data-testid=acknowledge]');
  assert.equal(res.status(), 200);
  assert.ok((await flashes(page)).some((f) => f === 'Alert for ACR-3MM acknowledged.'));
  assert.match(await text(page, '[data-testid=alert]'), /ACR-3MM · Acknowledged/);
  assert.match(await text(page, '[data-testid=alert]'), /; acknowledged .+ by \S+/);
  assert.equal(await page.$('[data-testid=alert] [data-testid=acknowledge]'), null);
  await shot(page, 'operations-alert-acknowledged');

  res = await submit(page, '[data-testid=alert] [data-testid=resolve]');
  assert.equal(res.status(), 200);
  assert.ok((await flashes(page)).some((f) => f === 'Alert for ACR-3MM resolved.'));
  assert.ok(await page.$('[data-testid=empty-alerts]'), 'the inbox of open and acknowledged alerts is empty');
  await open(page, '/operations/alerts?status=resolved');
  assert.match(await text(page, '[data-testid=alert]'), /ACR-3MM · Resolved/);
  const stored = await api('GET', '/v1/forecast-alerts?status=resolved');
  assert.equal(stored.json.items.length, 1);
  assert.ok(stored.json.items[0].acknowledged_at && stored.json.items[0].resolved_at);
  assert.deepEqual(unexpectedErrors(page), []);
  await page.close();
});

test('a viewer sees items and alerts without the forecast button or alert actions; the server refuses them', async () => {
  const page = await signedInPage(VIEWER);
  await open(page, '/operations');
  assert.ok(await page.$('[data-testid=items]'));
  assert.equal(await page.$('[data-testid=forecast-now]'), null);
  await open(page, '/operations/alerts?status=resolved');
  assert.ok(await page.$('[data-testid=alert]'));
  assert.equal(await page.$('[data-testid=resolve]'), null);
  const status = await postForm(page, '/operations/forecast-runs');
  assert.equal(status, 403);
  await page.close();
});
