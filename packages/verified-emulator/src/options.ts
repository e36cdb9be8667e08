import type { DestinationStream, LevelWithSilent } from 'pino';
import type { ScenarioPatch } from './scenario.js';

export const EMULATOR_DEFAULTS = {
  apiKeyId: 'emulator-key-id',
  apiKeyValue: 'emulator-key-value',
  webhookSecret: 'emulator-webhook-secret',
  port: 4010,
} as const satisfies { apiKeyId: string; apiKeyValue: string; webhookSecret: string; port: 4010 };

export interface EmulatorOptions {
  /** 0 = random free port (default programmatically); main.ts uses EMULATOR_PORT or 4010. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default process.env.EMULATOR_API_KEY_ID ?? 'emulator-key-id'. */
  apiKeyId?: string;
  /** Default process.env.EMULATOR_API_KEY_VALUE ?? 'emulator-key-value'. */
  apiKeyValue?: string;
  /** Initial SecretKey of the webhook settings; default 'emulator-webhook-secret'. */
  webhookSecret?: string;
  /** Injectable clock (ms); POST /_emulator/clock adds an offset on top. */
  now?: () => number;
  /** Initial scenario, merged over the defaults; also the baseline POST /_emulator/reset returns to. */
  scenario?: ScenarioPatch;
  /** Log level; default process.env.EMULATOR_LOG_LEVEL ?? 'warn' (no per-request logs unless debug/trace). */
  logLevel?: LevelWithSilent;
  /** Where log lines go; default stdout. */
  logDestination?: DestinationStream;
  /** How long a finished operation stays readable (ms); default EMULATOR_FINISHED_RETENTION_SEC or 72 h. */
  finishedRetentionMs?: number;
}

export interface RunningEmulator {
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}
