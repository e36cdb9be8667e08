import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../emulator-context.js';
import { endpoint } from '../endpoint.js';
import { UpstreamApiError } from '../errors.js';
import { beginBiometrySchema, checkTransport } from '../request-schemas.js';
import { foreignOperationBody } from './views.js';

export const DEFAULT_TIMEOUT_SEC = 3600;

export const operationNotFound = (operationId: string): UpstreamApiError =>
  new UpstreamApiError(404, 'E_OPERATION_NOT_FOUND', `Operation '${operationId.slice(0, 64)}' not found.`);

/** v1 selfie capture: BeginGetForeignBiometry / EndGetForeignBiometry (§3.3, §3.4). No account needed. */
export function registerForeignOperationRoutes(
  app: FastifyInstance,
  ctx: EmulatorContext,
  prefix: string,
): void {
  app.post(
    `${prefix}/foreignOperations/biometry`,
    endpoint(ctx, 'beginBiometry', { auth: true }, (request) => {
      const body = beginBiometrySchema.parse(request.body ?? {});
      const transportType = checkTransport(body.TransportType, {
        phoneNumber: body.PhoneNumber,
        email: body.Email,
      });
      const op = ctx.lifecycle.begin({
        api: 'foreign',
        name: 'GetForeignBiometry',
        accountNumber: null,
        transportType,
        timeoutSec: body.TimeoutSec ?? DEFAULT_TIMEOUT_SEC,
        checkLiveness: body.CheckLiveness ?? false,
        tag: null,
      });
      return { body: foreignOperationBody(ctx.clock, op) };
    }),
  );

  app.get<{ Params: { operationId: string } }>(
    `${prefix}/foreignOperations/biometry/:operationId`,
    endpoint(ctx, 'endBiometry', { auth: true }, (request) => {
      const { operationId } = request.params as { operationId: string };
      const op = ctx.lifecycle.find(operationId);
      // A v2 GetForeignBiometry operation is reachable here too (§9 #18), other v2 templates are not.
      if (!op || op.name !== 'GetForeignBiometry') throw operationNotFound(operationId);
      return { body: foreignOperationBody(ctx.clock, op) };
    }),
  );
}
