import { z } from 'zod';

/** ISO-8601 timestamp with an explicit offset (`new Date().toISOString()` satisfies it). */
export const timestamp = z.iso.datetime({ offset: true });

/**
 * The pipeline's steps by name: the one place their names are spelled outside the domain core (eslint
 * refuses the bare strings elsewhere). Stored in events and job ids, so a name never changes.
 */
export const STEPS = {
  begin: 'begin',
  poll: 'poll',
  account: 'account',
  credential: 'credential',
} as const;

export const stepSchema = z
  .enum([STEPS.begin, STEPS.poll, STEPS.account, STEPS.credential])
  .describe('Pipeline step that acted or failed.');
export type Step = z.infer<typeof stepSchema>;

export const transportSchema = z
  .enum(['inline', 'sms', 'email'])
  .describe('How the capture link reaches the person.');
export type Transport = z.infer<typeof transportSchema>;

export const modeSchema = z
  .enum(['capture', 'import', 'recapture'])
  .describe(
    'capture: new account from a live selfie; import: new account from a selfie captured elsewhere; recapture: new selfie for an existing account.',
  );
export type EnrollmentMode = z.infer<typeof modeSchema>;

export const prioritySchema = z.enum(['interactive', 'batch']);
export type Priority = z.infer<typeof prioritySchema>;

export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 as 64 lowercase hex characters');

/** Upstream operation status: 0 pending, 1 accepted, 2 rejected, 3 expired, 4 error, 5 canceled. */
export const terminalUpstreamStatus = z.union([
  z.literal(1),
  z.literal(2),
  z.literal(3),
  z.literal(4),
  z.literal(5),
]);
export const upstreamStatus = z.union([z.literal(0), terminalUpstreamStatus]);

const id = (what: string) => z.string().min(1).max(128).describe(what);
export const ids = {
  enrollment: () => id('Enrollment id (also the event subject and Kafka key).'),
  account: () => id('Verified AccountNumber.'),
  operation: () => id('Verified OperationId.'),
};
