import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from '../emulator-context.js';
import { EmulatorControlError } from '../errors.js';
import { CONTROL_PREFIX } from '../paths.js';
import { mergeScenario } from '../scenario.js';
import type { OperationRecord, OperationStatusCode } from '../state/operations.js';

const completeSchema = z.looseObject({
  Status: z.number().int().min(0).max(5),
  Message: z.string().nullable().optional(),
  TempId: z.string().min(1).optional(),
});

const clockSchema = z.looseObject({ advanceMs: z.number().finite().min(0) });

export function captureUrlFor(request: FastifyRequest, op: OperationRecord): string {
  return `${request.protocol}://${request.host}/?i=${encodeURIComponent(op.operationId)}&s=${encodeURIComponent(op.oneTimeSecret)}`;
}

/** GET /_emulator/operations/:id: the whole record, secrets included (tests and the capture page need them). */
export interface OperationControlView {
  OperationId: string;
  Api: OperationRecord['api'];
  Name: string;
  AccountNumber: string | null;
  TransportType: OperationRecord['transportType'];
  Timeout: number;
  CheckLiveness: boolean;
  Tag: string | null;
  Status: OperationStatusCode;
  Message: string | null;
  OneTimeSecret: string;
  SecretRedeemed: boolean;
  TempId: string | null;
  StartDate: string | null;
  EndDate: string | null;
  PlannedOutcome: OperationRecord['plannedOutcome'];
  DueDate: string | null;
  CaptureUrl: string;
}

function operationView(
  ctx: EmulatorContext,
  request: FastifyRequest,
  op: OperationRecord,
): OperationControlView {
  const iso = (ms: number | null): string | null => (ms === null ? null : ctx.clock.iso(ms));
  return {
    OperationId: op.operationId,
    Api: op.api,
    Name: op.name,
    AccountNumber: op.accountNumber,
    TransportType: op.transportType,
    Timeout: op.timeoutSec,
    CheckLiveness: op.checkLiveness,
    Tag: op.tag,
    Status: op.status,
    Message: op.message,
    OneTimeSecret: op.oneTimeSecret,
    SecretRedeemed: op.secretRedeemed,
    TempId: op.tempId,
    StartDate: iso(op.startedAt),
    EndDate: iso(op.endedAt),
    PlannedOutcome: op.plannedOutcome,
    DueDate: op.status === 0 ? iso(op.dueAt) : null,
    // For SMS/Email transports this is the link the real platform would have sent.
    CaptureUrl: captureUrlFor(request, op),
  };
}

function parseOrThrow<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw new EmulatorControlError(400, 'invalid_request', z.prettifyError(result.error));
  return result.data;
}

function findOperation(ctx: EmulatorContext, operationId: string): OperationRecord {
  const op = ctx.lifecycle.find(operationId);
  if (!op) throw new EmulatorControlError(404, 'operation_not_found', `operation ${operationId} not found`);
  return op;
}

/** `/_emulator/*`: scenario, forced outcomes, stats, records, clock and reset (docs/emulator.md). No auth. */
export function registerControlRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state, clock, lifecycle } = ctx;

  app.get(`${CONTROL_PREFIX}/scenario`, () => state.scenario);
  app.put(`${CONTROL_PREFIX}/scenario`, (request) => {
    try {
      state.scenario = mergeScenario(state.scenario, request.body);
    } catch (error) {
      if (error instanceof z.ZodError)
        throw new EmulatorControlError(400, 'invalid_scenario', z.prettifyError(error));
      throw error;
    }
    return state.scenario;
  });

  app.post<{ Params: { id: string } }>(`${CONTROL_PREFIX}/operations/:id/complete`, (request) => {
    const op = findOperation(ctx, request.params.id);
    const body = parseOrThrow(completeSchema, request.body);
    lifecycle.complete(op, body.Status as OperationStatusCode, body.Message, body.TempId);
    return operationView(ctx, request, op);
  });

  app.get<{ Params: { id: string } }>(`${CONTROL_PREFIX}/operations/:id`, (request) =>
    operationView(ctx, request, findOperation(ctx, request.params.id)),
  );

  app.get(`${CONTROL_PREFIX}/stats`, () => state.stats());
  app.get(`${CONTROL_PREFIX}/accounts`, () => ({ accounts: state.accountViews() }));

  const clockView = (): { now: string; offsetMs: number } => ({ now: clock.iso(), offsetMs: clock.offset });
  app.get(`${CONTROL_PREFIX}/clock`, () => clockView());
  app.post(`${CONTROL_PREFIX}/clock`, (request) => {
    const { advanceMs } = parseOrThrow(clockSchema, request.body);
    clock.advance(advanceMs);
    // Timers run on real time; whatever the jump made due (user outcomes, Timeouts) happens now.
    lifecycle.drainDue();
    return clockView();
  });

  app.post(`${CONTROL_PREFIX}/reset`, () => {
    lifecycle.clear();
    state.reset();
    clock.reset();
    return { ok: true, scenario: state.scenario };
  });
}
