import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import {
  startEmulator,
  type DotNetErrorBody,
  type EmulatorOptions,
  type AccountView,
  type EmulatorStats,
  type RunningEmulator,
  type WebhookPayload,
} from '../src/index.js';
import { ADMIN_PREFIX, AUTHZ_PREFIX, IDENTITY_PREFIX } from '../src/paths.js';
import type { ForeignOperationView } from '../src/routes/views.js';
import type { TokenBody } from '../src/routes/identity.js';

export { ADMIN_PREFIX, AUTHZ_PREFIX, IDENTITY_PREFIX };
export type { DotNetErrorBody as ErrorBody, EmulatorStats, ForeignOperationView, TokenBody };
export type { OperationResultView, OperationStatusView } from '../src/routes/views.js';
export type { OperationControlView } from '../src/routes/control.js';
export const ADMIN_V1 = `${ADMIN_PREFIX}/v1`;

// vitest types its asymmetric matchers `any`; as `unknown` they sit in expected objects without spreading `any`.
export const anyString: unknown = expect.any(String);
export const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);
/** What /_emulator/* answers on a refusal (not the upstream's .NET body). */
export interface ControlErrorBody {
  error: string;
  message: string;
}
export interface ClockView {
  now: string;
  offsetMs: number;
}
export const KEY_ID = 'test-key-id';
export const KEY_VALUE = 'test-key-value';

/**
 * One HTTP exchange. `json` is the parsed body typed as the caller expects it (`call<T>`); the tests assert
 * on it, so a body of another shape fails an expectation rather than passing unnoticed.
 */
export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

export interface CallOptions {
  token?: string | undefined;
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

  async call<T = unknown>(method: string, path: string, options: CallOptions = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      ...(body !== undefined && { body }),
      ...(options.signal && { signal: options.signal }),
    });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json: json as T };
  }

  /** The token call; `T` is the error body when the test expects a refusal. */
  tokens<T = TokenBody>(id = KEY_ID, value = KEY_VALUE): Promise<HttpResult<T>> {
    return this.call<T>('POST', `${IDENTITY_PREFIX}/auth/token`, {
      headers: { authorization: `Basic ${Buffer.from(`${id}:${value}`).toString('base64')}` },
    });
  }

  async token(): Promise<string> {
    const res = await this.tokens();
    if (res.status !== 200) throw new Error(`token call failed: ${res.status} ${res.text}`);
    return res.json.AccessToken;
  }

  control<T = unknown>(method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
    return this.call<T>(method, `/_emulator${path}`, body === undefined ? {} : { body });
  }

  async stats(): Promise<EmulatorStats> {
    return (await this.control<EmulatorStats>('GET', '/stats')).json;
  }

  async accounts(): Promise<AccountView[]> {
    return (await this.control<{ accounts: AccountView[] }>('GET', '/accounts')).json.accounts;
  }

  async scenario(patch: unknown): Promise<void> {
    const res = await this.control('PUT', '/scenario', patch);
    if (res.status !== 200) throw new Error(`scenario rejected: ${res.text}`);
  }

  createAccount<T = unknown>(
    token: string,
    accountNumber: string,
    extra: Record<string, unknown> = {},
  ): Promise<HttpResult<T>> {
    return this.call<T>('POST', `${ADMIN_V1}/accounts`, {
      token,
      body: { AccountNumber: accountNumber, Version: 0, DisplayName: accountNumber, Custom: true, ...extra },
    });
  }

  /** EndGetForeignBiometry; `T` as for beginBiometry. */
  endBiometry<T = ForeignOperationView>(
    token: string,
    operationId: string,
    prefix: string = ADMIN_PREFIX,
  ): Promise<HttpResult<T>> {
    return this.call<T>('GET', `${prefix}/foreignOperations/biometry/${operationId}`, { token });
  }

  /** `T` is the foreign operation result; an error body when the test expects a refusal. */
  beginBiometry<T = ForeignOperationView>(
    token: string,
    body: Record<string, unknown> = {},
  ): Promise<HttpResult<T>> {
    return this.call<T>('POST', `${ADMIN_PREFIX}/foreignOperations/biometry`, {
      token,
      body: { CheckLiveness: true, TimeoutSec: 3600, TransportType: 0, IntroductionText: 'hi', ...body },
    });
  }
}

/**
 * One emulator for a describe block, on a clock its tests move by hand (`now`); before every test it is reset
 * and `token` is a fresh access token, so each test starts from the same state whatever ran before.
 */
export class ClockedEmulator {
  token = '';
  private harness: EmulatorHarness | undefined;

  private constructor(public now: number) {}

  /** Registers the block's hooks; call it directly inside `describe`. */
  static forBlock(startIso: string): ClockedEmulator {
    const session = new ClockedEmulator(Date.parse(startIso));
    beforeAll(async () => {
      session.harness = await EmulatorHarness.start({ now: () => session.now });
    });
    beforeEach(async () => {
      await session.h.control('POST', '/reset');
      session.token = await session.h.token();
    });
    afterAll(() => session.harness?.close());
    return session;
  }

  get h(): EmulatorHarness {
    if (!this.harness) throw new Error('the emulator starts in beforeAll');
    return this.harness;
  }
}

export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}

export const webhookPayload = (hook: ReceivedWebhook): WebhookPayload =>
  JSON.parse(hook.rawBody) as WebhookPayload;

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
