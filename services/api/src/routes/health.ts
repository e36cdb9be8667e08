import type { FastifyPluginCallback } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isOperator, type ApiKeyStore } from '../auth/api-keys.js';
import { credentialFrom } from '../auth/authenticate.js';
import { ServiceUnavailableError } from '../errors.js';
import { errorResponses } from '../http/error-schema.js';
import type { ApiMetrics } from '../metrics.js';

export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

export interface HealthRoutesOptions {
  /** Only an `ops` key sees why a dependency failed (its error text names hosts and ports). */
  keys: ApiKeyStore;
  probes: ReadinessProbe[];
  metrics: ApiMetrics;
  probeTimeoutMs: number;
}

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });

export const healthRoutes: FastifyPluginCallback<HealthRoutesOptions> = (app, options, done) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process is up.',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  r.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: Redis and Kafka answer.',
        response: {
          200: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.literal('ok')) }),
          ...errorResponses(503),
        },
      },
    },
    async (request) => {
      const outcomes = await Promise.all(
        options.probes.map((probe) =>
          withTimeout(probe.check(), options.probeTimeoutMs).then(
            () => [],
            (error: unknown) => [{ field: probe.name, reason: (error as Error).message }],
          ),
        ),
      );
      const failures = outcomes.flat();
      if (failures.length > 0) {
        request.log.warn({ failures }, 'not ready');
        const credential = credentialFrom(request);
        const principal = credential === null ? null : options.keys.authenticate(credential);
        const operator = principal !== null && isOperator(principal);
        throw new ServiceUnavailableError(
          'not_ready',
          'A dependency is unreachable.',
          5,
          operator ? failures : failures.map(({ field }) => ({ field, reason: 'unreachable' })),
        );
      }
      return {
        status: 'ready' as const,
        checks: Object.fromEntries(options.probes.map((probe) => [probe.name, 'ok' as const])),
      };
    },
  );

  r.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format).',
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => {
      void reply.header('content-type', options.metrics.registry.contentType);
      return options.metrics.registry.metrics();
    },
  );
  done();
};
