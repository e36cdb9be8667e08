import { Pool } from 'undici';
import type { EndpointName } from '../endpoints.js';
import { UpstreamContractError, VerifiedError } from '../errors.js';
import type { ClientLogger } from '../redact.js';
import { mapHttpError, mapTransportError } from './error-mapping.js';

export interface RateLimiter {
  acquire(): Promise<void>;
}

/** `outcome` is `'ok'` or the failed call's error code. */
export type OnCall = (endpoint: EndpointName, outcome: string, ms: number) => void;

export interface TransportOptions {
  baseUrl: string;
  timeoutMs: number;
  /** Keep-alive sockets to the upstream host; calls beyond this queue inside the pool. */
  connections: number;
  rateLimiter?: RateLimiter;
  onCall?: OnCall;
  logger: ClientLogger;
}

export interface TransportRequest {
  endpoint: EndpointName;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the base URL, already URL-encoded. */
  path: string;
  headers?: Record<string, string>;
  /** JSON value to send; `undefined` sends no body. */
  json?: unknown;
  timeoutMs?: number;
  /** The caller ignores the 2xx body (its shape is undocumented), so a non-JSON one is not a contract violation. */
  ignoreBody?: boolean;
}

export interface TransportResponse {
  status: number;
  /** Parsed JSON body; `undefined` when the body was empty. */
  body: unknown;
}

/**
 * One keep-alive pool to the upstream host. Every call goes through the rate limiter, has a hard deadline,
 * reports to `onCall` exactly once, and either resolves with a 2xx answer or throws a typed VerifiedError.
 */
export class HttpTransport {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(private readonly options: TransportOptions) {
    const url = new URL(options.baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: Math.min(options.timeoutMs, 10_000),
    });
  }

  async request(request: TransportRequest): Promise<TransportResponse> {
    const timeoutMs = request.timeoutMs ?? this.options.timeoutMs;
    await this.options.rateLimiter?.acquire();
    const started = performance.now();
    let outcome = 'ok';
    try {
      return await this.send(request, timeoutMs);
    } catch (error) {
      outcome = error instanceof VerifiedError ? error.code : 'unknown_error';
      if (error instanceof VerifiedError && (error.retryable || error instanceof UpstreamContractError)) {
        // Only the error's own fields: ids, codes and the upstream's message, never what we sent.
        this.options.logger.warn({ err: error.toJSON() }, 'verified call failed');
      }
      throw error;
    } finally {
      const ms = performance.now() - started;
      this.options.onCall?.(request.endpoint, outcome, ms);
      this.options.logger.debug(
        { endpoint: request.endpoint, method: request.method, outcome, ms: Math.round(ms) },
        'verified call',
      );
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async send(request: TransportRequest, timeoutMs: number): Promise<TransportResponse> {
    const { endpoint } = request;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      let status: number;
      let retryAfter: string | string[] | undefined;
      let text: string;
      try {
        const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
        let body: string | undefined;
        if (request.json !== undefined) {
          body = JSON.stringify(request.json);
          headers['content-type'] = 'application/json';
        }
        const response = await this.pool.request({
          method: request.method,
          path: this.basePath + request.path,
          headers,
          // undici sends no body for null.
          body: body ?? null,
          signal: controller.signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        status = response.statusCode;
        retryAfter = response.headers['retry-after'];
        text = await response.body.text();
      } catch (error) {
        throw mapTransportError(endpoint, error, timeoutMs, timedOut);
      }
      const body = parseBody(text);
      if (status < 200 || status >= 300) {
        throw mapHttpError(endpoint, status, body.ok ? body.value : undefined, retryAfter);
      }
      if (!body.ok) {
        if (request.ignoreBody) return { status, body: undefined };
        throw new UpstreamContractError(`${endpoint}: HTTP ${status} with a body that is not JSON`, {
          endpoint,
          httpStatus: status,
        });
      }
      return { status, body: body.value };
    } finally {
      clearTimeout(timer);
    }
  }
}

function parseBody(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
