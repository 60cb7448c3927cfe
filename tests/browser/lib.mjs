// Helpers shared by the browser test files (ui.test.mjs, studio.test.mjs, operations.test.mjs,
// documents.test.mjs). Started by tests/browser/run.sh, which provides BASE_URL, CHROMIUM,
// ADMIN_EMAIL/PASSWORD, VIEWER_EMAIL/PASSWORD, API_KEY (capability suites: an admin-created key of
// the admin's org with the capability scopes) and SCREENSHOT_DIR.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const puppeteer = require('puppeteer-core');

export const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run tests/browser/run.sh)`);
  return v;
};
export const BASE = env('BASE_URL');
export const SHOTS = env('SCREENSHOT_DIR');
export const ADMIN = { email: env('ADMIN_EMAIL'), password: env('ADMIN_PASSWORD') };
export const VIEWER = { email: env('VIEWER_EMAIL'), password: env('VIEWER_PASSWORD') };

// Payloads that would run script if any were written unescaped into the page.
export const XSS = [
  '<script>window.__xss=1</script>',
  '"><img src=x onerror="window.__xss=1">',
  "'><svg onload=window.__xss=1>",
];

let browser = null;
const sessions = new Map();
const tempDirs = [];

export async function startBrowser() {
  browser = await puppeteer.launch({
    executablePath: env('CHROMIUM'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

export async function stopBrowser() {
  if (browser) await browser.close();
  browser = null;
  sessions.clear();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}

// A page that records console errors, in a fresh browser context (own cookies) or in `context`.
export async function newPage(context = null) {
  context = context || (await browser.createBrowserContext());
  const page = await context.newPage();
  await page.setViewport({ width: 1366, height: 900 });
  page.errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.errors.push(msg.text());
  });
  page.on('pageerror', (err) => page.errors.push(String(err)));
  page.on('dialog', (dialog) => dialog.accept());
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

// The dashboard keeps a server-sent events connection open (live activity): never network-idle.
export const DASHBOARD_WAIT = 'load';

// Signs `who` in on `page` through the sign-in form; the page ends on the dashboard.
export async function logIn(page, who) {
  await page.goto(`${BASE}/login`, { waitUntil: 'load' });
  await page.type('#email', who.email);
  await page.type('#password', who.password);
  await Promise.all([page.waitForNavigation({ waitUntil: DASHBOARD_WAIT }), page.click('button[type=submit]')]);
}

// One signed-in browser context per user, shared by the tests of a file (identity throttles
// sign-ins per account). The page is blank, or on `startUrl` (relative to BASE) when given.
export async function signedInPage(who, startUrl = null) {
  if (!sessions.has(who.email)) {
    const page = await newPage();
    await logIn(page, who);
    assert.equal(new URL(page.url()).pathname, '/', `${who.email} could not sign in`);
    sessions.set(who.email, page.browserContext());
    await page.close();
  }
  const page = await newPage(sessions.get(who.email));
  if (startUrl !== null) await open(page, startUrl, DASHBOARD_WAIT);
  return page;
}

export async function text(page, selector) {
  return page.$eval(selector, (el) => el.textContent.trim().replace(/\s+/g, ' '));
}

export async function texts(page, selector) {
  return page.$$eval(selector, (els) => els.map((el) => el.textContent.trim().replace(/\s+/g, ' ')));
}

// Opens `url` (relative to BASE) and returns the response.
export async function open(page, url, waitUntil = 'load') {
  return page.goto(`${BASE}${url}`, { waitUntil });
}

// Clicks `selector` (a submit button) and waits for the next page; returns its response.
export async function submit(page, selector, waitUntil = 'load') {
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil }), page.click(selector)]);
  return res;
}

// The flash messages of the current page, as text.
export async function flashes(page) {
  return texts(page, '.flash');
}

// Every visible form control must have a label (or be a button).
export async function unlabelledInputs(page) {
  return page.$$eval('input, select, textarea', (els) =>
    els
      .filter((el) => el.type !== 'hidden' && el.type !== 'submit')
      .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.outerHTML));
}

// The outerHTML of the elements matching `selector` that hold no text and no child elements.
// kainjow mustache renders a {{#section}} for "" too, so an optional value a view set to ""
// shows up as an empty element (e.g. '(on hold from )', an empty hint paragraph).
export async function emptyElements(page, selector) {
  return page.$$eval(selector, (els) =>
    els.filter((el) => el.children.length === 0 && el.textContent.trim() === '').map((el) => el.outerHTML));
}

export async function assertNoXss(page) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'an XSS payload ran');
  const injected = await page.$$eval('main img[src="x"], main svg[onload], main script', (els) => els.length);
  assert.equal(injected, 0, 'an XSS payload became markup');
}

// POSTs a urlencoded form from `page` (its session cookie) with the page's CSRF token and
// `fields`, as a hand-made form would; returns the HTTP status.
export async function postForm(page, url, fields = {}) {
  const csrf = await page.$eval('input[name=csrf_token]', (el) => el.value);
  const body = new URLSearchParams({ csrf_token: csrf, ...fields }).toString();
  return page.evaluate(async (u, b) => {
    const r = await fetch(u, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: b,
    });
    return r.status;
  }, url, body);
}

// Console errors other than the 4xx of deliberately invalid or stale submissions.
export function unexpectedErrors(page, statuses = [409, 412, 422]) {
  const re = new RegExp(`status of (${statuses.join('|')})`);
  return page.errors.filter((e) => !re.test(e));
}

// A JSON API call with the run's API key (X-API-Key), from Node (not the browser).
export async function api(method, url, { body, headers = {}, raw } = {}) {
  const h = { 'X-API-Key': env('API_KEY'), ...headers };
  let payload;
  if (raw !== undefined) {
    payload = raw;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  const r = await fetch(`${BASE}${url}`, { method, headers: h, body: payload });
  const textBody = await r.text();
  let json = null;
  try { json = textBody ? JSON.parse(textBody) : null; } catch { json = null; }
  return { status: r.status, headers: r.headers, json, text: textBody };
}

// Polls `probe` (async, returns a truthy value when done) every 100 ms until it is truthy or
// `timeoutMs` passes; returns the value or throws with `what`.
export async function until(what, probe, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

export function writeTemp(name, content) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signx-ui-'));
  tempDirs.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}
