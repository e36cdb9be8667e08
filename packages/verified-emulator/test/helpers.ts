import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../src/index.js';
import { ADMIN_PREFIX, AUTHZ_PREFIX, IDENTITY_PREFIX } from '../src/paths.js';

export { ADMIN_PREFIX, AUTHZ_PREFIX, IDENTITY_PREFIX };
export const ADMIN_V1 = `${ADMIN_PREFIX}/v1`;
export const KEY_ID = 'test-key-id';
export const KEY_VALUE = 'test-key-value';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A real emulator on a random port plus small HTTP helpers (global fetch = undici). */
export class EmulatorHarness {
  private constructor(readonly emulator: RunningEmulator) {}

  static async start(options: EmulatorOptions = {}): Promise<EmulatorHarness> {
    const emulator = await startEmulator({
      apiKeyId: KEY_ID,
      apiKeyValue: KEY_VALUE,
      logLevel: 'silent',
      ...options,
    });
    return new EmulatorHarness(emulator);
  }

  get baseUrl(): string {
    return this.emulator.baseUrl;
  }

  close(): Promise<void> {
    return this.emulator.close();
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body, signal: options.signal });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  async tokens(id = KEY_ID, value = KEY_VALUE): Promise<HttpResult> {
    return this.call('POST', `${IDENTITY_PREFIX}/auth/token`, {
      headers: { authorization: `Basic ${Buffer.from(`${id}:${value}`).toString('base64')}` },
    });
  }

  async token(): Promise<string> {
    const res = await this.tokens();
    if (res.status !== 200) throw new Error(`token call failed: ${res.status} ${res.text}`);
    return res.json.AccessToken as string;
  }

  control(method: string, path: string, body?: unknown): Promise<HttpResult> {
    return this.call(method, `/_emulator${path}`, body === undefined ? {} : { body });
  }

  async scenario(patch: unknown): Promise<void> {
    const res = await this.control('PUT', '/scenario', patch);
    if (res.status !== 200) throw new Error(`scenario rejected: ${res.text}`);
  }

  async createAccount(
    token: string,
    accountNumber: string,
    extra: Record<string, unknown> = {},
  ): Promise<HttpResult> {
    return this.call('POST', `${ADMIN_V1}/accounts`, {
      token,
      body: { AccountNumber: accountNumber, Version: 0, DisplayName: accountNumber, Custom: true, ...extra },
    });
  }

  async beginBiometry(token: string, body: Record<string, unknown> = {}): Promise<HttpResult> {
    return this.call('POST', `${ADMIN_PREFIX}/foreignOperations/biometry`, {
      token,
      body: { CheckLiveness: true, TimeoutSec: 3600, TransportType: 0, IntroductionText: 'hi', ...body },
    });
  }
}

/** Polls until `probe` returns a value other than undefined, or fails after the deadline. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}

/** A local webhook receiver (node:http) that records every request and answers with `status()`. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  respondWith = 200;
  /** When false the receiver accepts requests but never answers them. */
  answer = true;
  private readonly server: http.Server;
  private readonly pending = new Set<http.ServerResponse>();

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
        if (this.answer) res.writeHead(this.respondWith).end();
        else this.pending.add(res);
      });
    });
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server.listen(0, '127.0.0.1');
    await once(receiver.server, 'listening');
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/verified`;
  }

  async close(): Promise<void> {
    for (const res of this.pending) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
