// The two browser UIs the api serves still work under its Content-Security-Policy: real headless Chromium
// (Debian's, installed by scripts/ensure-chromium.sh), no CSP violation reported, the UI rendered.
import type { AddressInfo } from 'node:net';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@verified-onboard/devstack';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
let browser: Browser;
let base: string;
beforeAll(async () => {
  t = await startTestApp('browser-ui');
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Every CSP violation the page reports: as a console message and as a securitypolicyviolation event. */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  page.on('pageerror', (error) => violations.push(`pageerror: ${error.message}`));
  await page.exposeFunction('__reportViolation', (text: string) => violations.push(text));
  // Runs in the page (as text: this program has no DOM types).
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (event) =>
    window.__reportViolation(event.violatedDirective + ' ' + event.blockedURI));`);
  return violations;
}

describe('browser UIs under the Content-Security-Policy', () => {
  it('Swagger UI at /docs renders the api document with no CSP violation', async () => {
    const page = await browser.newPage();
    const violations = await watchViolations(page);
    const res = await page.goto(`${base}/docs/`);
    const headers = res?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('DENY');
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'verified-onboard api' }).waitFor();
    await page.locator('.opblock-summary-path', { hasText: '/v1/enrollments' }).first().waitFor();
    expect(violations).toEqual([]);
    await page.close();
  });

  it('Bull Board at /ops/queues renders its queue with no CSP violation', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: KEYS.all.id, password: KEYS.all.secret },
    });
    const page = await context.newPage();
    const violations = await watchViolations(page);
    const res = await page.goto(`${base}/ops/queues/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByText('steps', { exact: false }).first().waitFor();
    // Rendered by React, not the static loading screen.
    expect(await page.locator('#root').innerText()).not.toContain('Loading');
    expect(violations).toEqual([]);
    await context.close();
  });
});
