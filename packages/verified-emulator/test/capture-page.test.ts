import assert from 'node:assert/strict';
import { CHROMIUM_ARGS, CHROMIUM_PATH, waitFor } from '@verified-onboard/devstack';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { matching, EmulatorHarness, type OperationControlView } from './helpers.js';

// A 1x1 PNG: the page only needs some image to send.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('capture page', () => {
  let h: EmulatorHarness;
  let browser: Browser;
  let token: string;
  beforeAll(async () => {
    h = await EmulatorHarness.start();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  });
  beforeEach(async () => {
    await h.control('POST', '/reset');
    await h.scenario({ user: { outcome: 'never' } });
    token = await h.token();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function pendingOperation(): Promise<{ id: string; secret: string; url: string }> {
    const begin = await h.beginBiometry(token);
    const { OperationId: id, OneTimeSecret: secret } = begin.json;
    assert.ok(secret !== null, 'an inline capture returns its secret');
    return { id, secret, url: (await operation(id)).CaptureUrl };
  }

  const operation = async (id: string) =>
    (await h.control<OperationControlView>('GET', `/operations/${id}`)).json;

  /**
   * Runs `use` on a parent page embedding the capture URL in an iframe (recording every postMessage it
   * receives), once the capture page in it is ready.
   */
  async function inReadyIframe(url: string, use: (frame: FrameLocator, page: Page) => Promise<void>) {
    const page = await browser.newPage();
    try {
      await page.setContent(
        `<script>window.__messages = []; window.addEventListener('message', (e) => window.__messages.push(e.data));</script>
         <iframe id="authid" src="${url}" allow="fullscreen *;camera *;" width="600" height="700"></iframe>`,
      );
      const frame = page.frameLocator('#authid');
      await frame.locator('#status').filter({ hasText: 'Ready' }).waitFor();
      await use(frame, page);
    } finally {
      await page.close();
    }
  }

  const messages = (page: Page) =>
    page.evaluate(() => (globalThis as unknown as { __messages: Array<{ pageName?: string }> }).__messages);
  /** Waits for the final-page message the capture page posts to its parent, and checks its whole shape. */
  async function expectFinalPage(page: Page, pageName: string, success: boolean): Promise<void> {
    await waitFor(`the ${pageName} message`, async () =>
      (await messages(page)).some((m) => m.pageName === pageName),
    );
    expect(await messages(page)).toContainEqual({ type: 'authid:page', pageName, success });
  }

  it('Accept in an iframe completes the operation with a TempId and posts verifiedPage to the parent', async () => {
    const op = await pendingOperation();
    expect(op.url).toContain(`/?i=${op.id}&s=${encodeURIComponent(op.secret)}`);
    await inReadyIframe(op.url, async (frame, page) => {
      await frame.locator('#file').setInputFiles({ name: 'selfie.png', mimeType: 'image/png', buffer: PNG });
      await frame.locator('#preview').waitFor({ state: 'visible' });
      await frame.locator('#accept').click();
      await expectFinalPage(page, 'verifiedPage', true);
      const end = await h.endBiometry(token, op.id);
      expect(end.json).toMatchObject({ Status: 1, TempId: matching(/^[0-9a-f-]{36}$/) });
    });
  });

  it('Reject posts defaultFailedPage and leaves the operation Rejected (2)', async () => {
    const op = await pendingOperation();
    await inReadyIframe(op.url, async (frame, page) => {
      await frame.locator('#reject').click();
      await expectFinalPage(page, 'defaultFailedPage', false);
      expect((await h.endBiometry(token, op.id)).json.Status).toBe(2);
    });
  });

  it('opened directly, the secret serves one UI session only; a second opening shows transactionNotValidPage', async () => {
    const op = await pendingOperation();
    const first = await browser.newPage();
    const second = await browser.newPage();
    try {
      await first.goto(op.url);
      await first.locator('#status').filter({ hasText: 'Ready' }).waitFor();
      await second.goto(op.url.replace('/?i=', '/?t='));
      await second.locator('body[data-page="transactionNotValidPage"]').waitFor();
      await expect(second.locator('#accept').isDisabled()).resolves.toBe(true);
      // The first session still works.
      await first.locator('#accept').click();
      await first.locator('body[data-page="verifiedPage"]').waitFor();
      expect((await operation(op.id)).Status).toBe(1);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('a wrong secret or a URL without parameters never reaches the operation', async () => {
    const op = await pendingOperation();
    const page = await browser.newPage();
    try {
      await page.goto(`${h.baseUrl}/?i=${op.id}&s=${encodeURIComponent('AAAAAAAAAAAAAAAAAAAAAA==')}`);
      await page.locator('body[data-page="transactionNotValidPage"]').waitFor();
      await page.goto(`${h.baseUrl}/`);
      await expect(page.locator('#status').textContent()).resolves.toBe(
        'This system requires a properly initialized authID transaction',
      );
      expect(await operation(op.id)).toMatchObject({
        Status: 0,
        SecretRedeemed: false,
      });
    } finally {
      await page.close();
    }
  });
});

describe('capture page internal API over HTTP', () => {
  let h: EmulatorHarness;
  beforeAll(async () => {
    h = await EmulatorHarness.start({ scenario: { user: { outcome: 'never' } } });
  });
  afterAll(() => h.close());

  it('401 for a wrong secret, once-only secrets and sessions, 409 once the operation is finished', async () => {
    const token = await h.token();
    const begin = await h.beginBiometry(token);
    const { OperationId: id, OneTimeSecret: secret } = begin.json;
    assert.ok(secret !== null, 'an inline capture returns its secret');
    const page = await h.call('GET', `/?i=${id}&s=${encodeURIComponent(secret)}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).not.toContain(secret);

    expect(
      (await h.call('POST', '/_capture/session', { body: { kind: 'operation', id, secret: 'wrong' } }))
        .status,
    ).toBe(401);
    expect(
      (await h.call('POST', '/_capture/session', { body: { kind: 'operation', id: 'unknown', secret } }))
        .status,
    ).toBe(401);
    const session = await h.call<{ sessionId: string }>('POST', '/_capture/session', {
      body: { kind: 'operation', id, secret },
    });
    expect(session.status).toBe(200);
    expect(
      (await h.call('POST', '/_capture/session', { body: { kind: 'operation', id, secret } })).status,
    ).toBe(401);

    expect(
      (await h.call('POST', '/_capture/complete', { body: { sessionId: 'forged', decision: 'accept' } }))
        .status,
    ).toBe(401);
    const badImage = await h.call('POST', '/_capture/complete', {
      body: { sessionId: session.json.sessionId, decision: 'accept', image: 'not-an-image' },
    });
    expect(badImage.status).toBe(400);
    const done = await h.call('POST', '/_capture/complete', {
      body: { sessionId: session.json.sessionId, decision: 'error' },
    });
    expect(done.json).toEqual({ status: 4, pageName: 'standardErrorPage', success: false });
    expect(
      (
        await h.call('POST', '/_capture/complete', {
          body: { sessionId: session.json.sessionId, decision: 'accept' },
        })
      ).status,
    ).toBe(401);

    const other = await h.beginBiometry(token);
    await h.control('POST', `/operations/${other.json.OperationId}/complete`, { Status: 5 });
    const finished = await h.call<{ pageName: string }>('POST', '/_capture/session', {
      body: { id: other.json.OperationId, secret: other.json.OneTimeSecret },
    });
    expect(finished.status).toBe(409);
    expect(finished.json.pageName).toBe('transactionNotValidPage');
  });
});
