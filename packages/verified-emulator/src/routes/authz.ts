import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../emulator-context.js';
import { endpoint } from '../endpoint.js';
import { UpstreamApiError } from '../errors.js';
import { AUTHZ_PREFIX } from '../paths.js';
import { checkAccountNumber, checkTransport, createOperationSchema } from '../request-schemas.js';
import { DEFAULT_TIMEOUT_SEC, operationNotFound } from './admin-foreign-operations.js';
import type { OperationRecord } from '../state/operations.js';
import { operationResultBody, operationStatusBody } from './views.js';

/**
 * Operation templates a tenant has by default (D-TYPES). Emulator assumption: the real list is per tenant;
 * these are the names the docs mention.
 */
export const OPERATION_TEMPLATES: ReadonlySet<string> = new Set([
  'GetForeignBiometry',
  'EnrollBioCredential',
  'GetForeignIDDocument',
  'GetIDDocument',
  'EnrollFido2Credential',
]);

/** Authorization Service v2 operations (§3.1, §3.2). Only `/status` and `/result` exist under an id (§3.2). */
export function registerAuthzRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx;

  app.post(
    `${AUTHZ_PREFIX}/v2/operations`,
    endpoint(ctx, 'createOperation', { auth: true }, (request) => {
      const body = createOperationSchema.parse(request.body);
      const accountNumber = checkAccountNumber(body.AccountNumber);
      if (!OPERATION_TEMPLATES.has(body.Name)) {
        // The message is documented (BBMS); the ID and status are emulator assumptions.
        throw new UpstreamApiError(
          400,
          'E_OPERATION_TEMPLATE_NOT_FOUND',
          `Operation with name '${body.Name.slice(0, 64)}' not found`,
        );
      }
      const account = state.accounts.get(accountNumber);
      if (!account)
        throw new UpstreamApiError(404, 'E_ACCOUNT_NOT_FOUND', `Account '${accountNumber}' not found.`);
      if (body.Name === 'EnrollBioCredential' && account.credential) {
        throw new UpstreamApiError(
          409,
          'E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS',
          'Biometric credentials already exist',
        );
      }
      // v2 carries no phone/email in the request: SMS/Email go to the account's own contact data (D-OOB).
      const transportType = checkTransport(body.TransportType, {
        phoneNumber: account.account.PhoneNumber,
        email: account.account.Email,
      });
      const op = ctx.lifecycle.begin({
        api: 'v2',
        name: body.Name,
        accountNumber,
        transportType,
        timeoutSec: body.Timeout ?? DEFAULT_TIMEOUT_SEC,
        checkLiveness: true,
        tag: body.Tag ?? null,
      });
      return {
        body: { OperationId: op.operationId, OneTimeSecret: transportType === 0 ? op.oneTimeSecret : null },
      };
    }),
  );

  // Status and result read the same operation and differ only in the view of it.
  const reads = [
    ['status', 'operationStatus', (op: OperationRecord) => operationStatusBody(ctx.clock, op)],
    ['result', 'operationResult', operationResultBody],
  ] as const;
  for (const [suffix, name, view] of reads) {
    app.get<{ Params: { operationId: string } }>(
      `${AUTHZ_PREFIX}/v2/operations/:operationId/${suffix}`,
      endpoint(ctx, name, { auth: true }, (request) => {
        const { operationId } = request.params as { operationId: string };
        const op = ctx.lifecycle.find(operationId);
        if (!op) throw operationNotFound(operationId);
        return { body: view(op) };
      }),
    );
  }
}
