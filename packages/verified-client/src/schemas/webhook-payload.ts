import { z } from 'zod';

/** The upstream does not document the webhook body; accept either casing, any extra field, and numbers sent as strings. */
const maybeString = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value) => (value === undefined || value === null || value === '' ? null : String(value)));
const maybeInt = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((value) => {
    if (value === undefined || value === null || value === '') return null;
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isInteger(n) ? n : null;
  });

/** Keys that would reach an object's prototype machinery instead of being data. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Builds a null-prototype copy with PascalCase keys. `out['__proto__'] = value` on a plain object would set its
 * prototype, and the schema would then read fields the body only "inherits".
 */
function pascalizeKeys(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    const pascal = key.charAt(0).toUpperCase() + key.slice(1);
    if (UNSAFE_KEYS.has(key) || UNSAFE_KEYS.has(pascal)) continue;
    // PascalCase wins when both spellings are present.
    if (!Object.hasOwn(out, pascal) || key === pascal) out[pascal] = value;
  }
  return out;
}

/** Operation ids are short upstream tokens; a bound keeps a forged one from becoming a large Redis key. */
export const OPERATION_ID_MAX_LENGTH = 64;
const OPERATION_ID = /^[A-Za-z0-9._-]+$/;

export const webhookPayloadSchema = z.preprocess(
  pascalizeKeys,
  z
    .looseObject({
      // Documented by the emulator as an int; kept as sent (number or string) since the real enum is unknown.
      EventType: z
        .union([z.number(), z.string()])
        .nullish()
        .transform((value) => (value === undefined || value === '' ? null : value)),
      OperationId: maybeString.refine(
        (id) => id === null || (id.length <= OPERATION_ID_MAX_LENGTH && OPERATION_ID.test(id)),
        `at most ${OPERATION_ID_MAX_LENGTH} characters of A-Z a-z 0-9 . _ -`,
      ),
      TransactionId: maybeString,
      AccountNumber: maybeString,
      Name: maybeString,
      Status: maybeInt,
      Message: maybeString,
      Timestamp: maybeString,
    })
    .transform((wire) => ({
      eventType: wire.EventType,
      operationId: wire.OperationId,
      transactionId: wire.TransactionId,
      accountNumber: wire.AccountNumber,
      name: wire.Name,
      status: wire.Status,
      message: wire.Message,
      timestamp: wire.Timestamp,
    })),
);

export type WebhookPayload = z.output<typeof webhookPayloadSchema>;
