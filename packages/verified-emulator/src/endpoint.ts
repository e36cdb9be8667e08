import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { ZodError } from 'zod';
import { requireBearer, type EmulatorContext } from './emulator-context.js';
import { UpstreamApiError, invalidRequest } from './errors.js';
import { decideFault, sendFault } from './faults.js';
import type { EndpointName } from './paths.js';
import { pickInRange } from './scenario.js';

export interface EndpointResult {
  status?: number;
  /** `null` is sent as the JSON literal `null` (GET of a missing account answers exactly that). */
  body: unknown;
}

export type EndpointHandler = (request: FastifyRequest) => EndpointResult | Promise<EndpointResult>;

export function zodToApiError(error: ZodError): UpstreamApiError {
  const detail = error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  return invalidRequest(`The request is invalid. ${detail}`);
}

export function sendResult(reply: FastifyReply, result: EndpointResult): FastifyReply {
  reply.code(result.status ?? 200);
  if (result.body === null || result.body === undefined) {
    return reply.type('application/json; charset=utf-8').send('null');
  }
  return reply.send(result.body);
}

export function sendApiError(reply: FastifyReply, error: UpstreamApiError): FastifyReply {
  reply.code(error.httpStatus).headers(error.headers);
  return reply.send(error.body());
}

/**
 * Wraps one upstream endpoint with what every call goes through, in order: the call counter, the scenario's
 * latency, its fault (before the effect, so a faulted call changes nothing, unless `afterEffect`), the bearer
 * check and the handler. Kept allocation-light: it runs on every benchmark request.
 */
export function endpoint(
  ctx: EmulatorContext,
  name: EndpointName,
  options: { auth: boolean },
  handler: EndpointHandler,
): RouteHandlerMethod {
  return async function upstreamEndpoint(request, reply) {
    ctx.state.calls[name] += 1;
    const { latencyMs, faults } = ctx.state.scenario;
    if (latencyMs.max > 0) await sleep(pickInRange(latencyMs));
    const faultConfig = faults[name];
    const fault = faultConfig ? decideFault(faultConfig) : null;
    if (fault && faultConfig && !faultConfig.afterEffect)
      return sendFault(fault, faultConfig, reply, ctx.held);
    let result: EndpointResult;
    try {
      if (options.auth) requireBearer(ctx, request);
      result = await handler(request);
    } catch (error) {
      // The call had no effect, so the real error is the honest answer even with an afterEffect fault armed.
      if (error instanceof UpstreamApiError) return sendApiError(reply, error);
      if (error instanceof ZodError) return sendApiError(reply, zodToApiError(error));
      throw error;
    }
    if (fault && faultConfig) return sendFault(fault, faultConfig, reply, ctx.held);
    return sendResult(reply, result);
  };
}
