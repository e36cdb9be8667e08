import { HEADERS } from '@verified-onboard/contracts';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import type { EmulatorClock } from './clock.js';
import type { OperationRecord } from './state/operations.js';
import type { EmulatorState } from './state/store.js';

/**
 * Emulator assumption (docs/verified-api.md §9 #1): the real payload is undocumented. EventType 1 = an operation's
 * status changed (2 would be a verification transaction, which the emulator does not model).
 */
export const WEBHOOK_EVENT_OPERATION_STATUS = 1;

export interface WebhookPayload {
  EventType: number;
  OperationId: string;
  TransactionId: string | null;
  AccountNumber: string | null;
  Name: string;
  Status: number;
  Message: string | null;
  Timestamp: string;
}

/**
 * Emulator assumption (§9 #2): the header name and algorithm are undocumented upstream. The emulator signs
 * the exact bytes it sends: `X-Signature: base64(HMAC-SHA256(SecretKey, rawBody))`.
 */
export const SIGNATURE_HEADER = HEADERS.signature;

export function signWebhookBody(secretKey: string, rawBody: string | Buffer): string {
  return createHmac('sha256', secretKey).update(rawBody).digest('base64');
}

const DEFAULT_CONNECT_TIMEOUT_SEC = 5;

/**
 * One POST per terminal status change to the tenant's webhook URL. Like the real platform ("not queued, no
 * guaranteed delivery", §5) there is exactly one attempt: no retry, no queue. Outcomes are only counted.
 */
export class WebhookSender {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly inFlight = new Set<http.ClientRequest>();
  private closed = false;

  constructor(
    private readonly state: EmulatorState,
    private readonly clock: EmulatorClock,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {}

  notify(operation: OperationRecord): void {
    if (this.closed) return;
    const settings = this.state.webhookSettings;
    if (!settings.Enabled || !settings.WebHook.Url) return;
    const { webhook } = this.state.scenario;
    if (!webhook.enabled || (webhook.dropRate > 0 && this.random() < webhook.dropRate)) {
      this.state.webhookCounters.dropped += 1;
      return;
    }
    const payload: WebhookPayload = {
      EventType: WEBHOOK_EVENT_OPERATION_STATUS,
      OperationId: operation.operationId,
      TransactionId: null,
      AccountNumber: operation.accountNumber,
      Name: operation.name,
      Status: operation.status,
      Message: operation.message,
      Timestamp: this.clock.wallIso(),
    };
    this.deliver(JSON.stringify(payload));
  }

  close(): void {
    this.closed = true;
    for (const req of this.inFlight) req.destroy();
    this.inFlight.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private deliver(rawBody: string): void {
    const settings = this.state.webhookSettings;
    const hook = settings.WebHook;
    let url: URL;
    try {
      url = new URL(hook.Url);
    } catch {
      this.state.webhookCounters.failed += 1;
      this.logger.warn({ reason: 'invalid_url' }, 'webhook delivery failed');
      return;
    }
    const isHttps = url.protocol === 'https:';
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(rawBody)),
      [SIGNATURE_HEADER]: signWebhookBody(settings.SecretKey, rawBody),
    };
    if (hook.AuthMode === 1) {
      headers.authorization = `Basic ${Buffer.from(`${hook.Login}:${hook.Password}`).toString('base64')}`;
    }
    const connectTimeoutMs =
      (hook.ConnectTimeout > 0 ? hook.ConnectTimeout : DEFAULT_CONNECT_TIMEOUT_SEC) * 1000;
    const options: https.RequestOptions = {
      method: 'POST',
      headers,
      agent: isHttps ? this.httpsAgent : this.httpAgent,
      ...(isHttps ? { rejectUnauthorized: hook.IsValidateCertificate } : {}),
    };
    const request = (isHttps ? https : http).request(url, options);
    this.inFlight.add(request);
    let settled = false;
    const settle = (ok: boolean, reason: string | number): void => {
      if (settled) return;
      settled = true;
      this.inFlight.delete(request);
      if (ok) this.state.webhookCounters.sent += 1;
      else {
        this.state.webhookCounters.failed += 1;
        // The URL path may carry a receiver's token: log only the host.
        this.logger.warn({ host: url.host, reason }, 'webhook delivery failed');
      }
    };
    request.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => request.destroy(new Error('connect timeout')), connectTimeoutMs);
      socket.once(isHttps ? 'secureConnect' : 'connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    // Emulator assumption: ConnectTimeout is the settings' only timeout, so it also bounds the wait for the
    // answer; a receiver that accepts but never answers must not pin sockets.
    request.setTimeout(connectTimeoutMs, () => request.destroy(new Error('response timeout')));
    request.on('response', (response) => {
      // The status line decides the outcome; the body is drained only to free the keep-alive socket.
      const status = response.statusCode ?? 0;
      settle(status >= 200 && status < 300, status);
      response.resume();
    });
    request.on('error', (error) => settle(false, error.message));
    request.on('close', () => settle(false, 'closed before a response'));
    request.end(rawBody);
  }
}
