import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiKeyStore } from '../auth/api-keys.js';
import { principalOf, requireScope } from '../auth/authenticate.js';
import { ApiError, DashboardReadOnlyError } from '../errors.js';
import type { OpsAudit } from '../ops/ops-audit.js';
import { sendProblem } from '../http/error-handler.js';

export const QUEUE_DASHBOARD_PATH = '/ops/queues';

export interface QueueDashboardOptions {
  keys: ApiKeyStore;
  queues: Queue[];
  /** OPS_DASHBOARD_WRITABLE: Bull Board's add/retry/clean/obliterate change pipeline state outside the event log. */
  writable: boolean;
  /** Where a writable dashboard's mutating calls are recorded before they run. */
  audit: OpsAudit;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Bull Board behind the `ops` scope. Browsers cannot set a Bearer header, so a 401 here carries a Basic
 * challenge: the browser asks for user = key id, password = secret and resends them on every request.
 */
export const queueDashboard: FastifyPluginAsync<QueueDashboardOptions> = async (app, options) => {
  const authenticate = requireScope(options.keys, 'ops', { basicChallenge: true });
  // Answered here rather than thrown: Bull Board installs its own error handler for its routes.
  app.addHook('onRequest', async (request, reply) => {
    try {
      await authenticate.call(app, request, reply);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return sendProblem(reply, error);
    }
    // Bull Board's own readOnlyMode only hides buttons for some calls; refuse every mutating call here.
    if (READ_METHODS.has(request.method)) return;
    try {
      if (!options.writable) throw new DashboardReadOnlyError();
      await options.audit.record('dashboard', principalOf(request), {
        method: request.method,
        path: (request.url.split('?')[0] ?? '').slice(0, 512),
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return sendProblem(reply, error);
    }
  });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: !options.writable })),
    serverAdapter,
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
};
