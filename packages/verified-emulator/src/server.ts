import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { LevelWithSilent } from 'pino';
import { EmulatorClock } from './clock.js';
import type { EmulatorContext } from './emulator-context.js';
import { HeldRequests } from './faults.js';
import { DEFAULT_BODY_LIMIT, registerBodyParsers, registerErrorHandlers } from './http-setup.js';
import { createEmulatorLogger } from './logger.js';
import { DEFAULT_FINISHED_RETENTION_MS, OperationLifecycle } from './operation-lifecycle.js';
import { EMULATOR_DEFAULTS, type EmulatorOptions, type RunningEmulator } from './options.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAuthzRoutes } from './routes/authz.js';
import { registerCapturePageRoutes } from './routes/capture-page.js';
import { registerControlRoutes } from './routes/control.js';
import { registerIdentityRoutes } from './routes/identity.js';
import { DEFAULT_SCENARIO, mergeScenario } from './scenario.js';
import { EmulatorState } from './state/store.js';
import { WebhookSender } from './webhook-sender.js';

const LOG_LEVELS: ReadonlySet<string> = new Set([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
]);

function resolveLogLevel(options: EmulatorOptions): LevelWithSilent {
  if (options.logLevel) return options.logLevel;
  const fromEnv = process.env.EMULATOR_LOG_LEVEL;
  return fromEnv && LOG_LEVELS.has(fromEnv) ? (fromEnv as LevelWithSilent) : 'warn';
}

function finishedRetentionMs(options: EmulatorOptions): number {
  if (options.finishedRetentionMs !== undefined) return options.finishedRetentionMs;
  const sec = Number(process.env.EMULATOR_FINISHED_RETENTION_SEC);
  return Number.isFinite(sec) && sec > 0 ? sec * 1000 : DEFAULT_FINISHED_RETENTION_MS;
}

/** A ready-to-listen emulator (Fastify instance); `close()` also stops its timers, held requests and webhooks. */
export function buildEmulator(options: EmulatorOptions = {}): FastifyInstance {
  const level = resolveLogLevel(options);
  const logger = createEmulatorLogger(level, options.logDestination);
  const clock = new EmulatorClock(options.now ?? Date.now);
  const state = new EmulatorState(
    mergeScenario(DEFAULT_SCENARIO, options.scenario ?? {}),
    options.webhookSecret ?? EMULATOR_DEFAULTS.webhookSecret,
  );
  const webhooks = new WebhookSender(state, clock, logger);
  const ctx: EmulatorContext = {
    clock,
    state,
    webhooks,
    lifecycle: new OperationLifecycle(state, clock, webhooks, Math.random, finishedRetentionMs(options)),
    held: new HeldRequests(),
    logger,
    apiKeyId: options.apiKeyId ?? process.env.EMULATOR_API_KEY_ID ?? EMULATOR_DEFAULTS.apiKeyId,
    apiKeyValue: options.apiKeyValue ?? process.env.EMULATOR_API_KEY_VALUE ?? EMULATOR_DEFAULTS.apiKeyValue,
  };

  // Typed as Fastify's base logger so the instance is the plain FastifyInstance the routes take, not one
  // specialised on pino's Logger.
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    // The emulator is the peer in benchmarks: no per-request log lines unless someone asks for debug.
    logController: new LogController({ disableRequestLogging: level !== 'debug' && level !== 'trace' }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    // IIS routes are case-insensitive and tolerate a trailing slash (emulator assumption for the real host).
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
  });

  registerBodyParsers(app);
  registerErrorHandlers(app);
  registerIdentityRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerAuthzRoutes(app, ctx);
  registerCapturePageRoutes(app, ctx);
  registerControlRoutes(app, ctx);

  // Held "timeout" faults would make a graceful close wait 30 s: release them before the server stops.
  app.addHook('preClose', (done) => {
    ctx.held.releaseAll();
    ctx.lifecycle.close();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    ctx.webhooks.close();
    done();
  });
  return app;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const app = buildEmulator(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('emulator did not bind a TCP port');
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    baseUrl: `http://${urlHost}:${address.port}`,
    port: address.port,
    close: () => (closing ??= app.close()),
  };
}
