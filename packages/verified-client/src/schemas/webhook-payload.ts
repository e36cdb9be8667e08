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

function pascalizeKeys(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const pascal = key.charAt(0).toUpperCase() + key.slice(1);
    // PascalCase wins when both spellings are present.
    if (!(pascal in out) || key === pascal) out[pascal] = value;
  }
  return out;
}

export const webhookPayloadSchema = z.preprocess(
  pascalizeKeys,
  z
    .looseObject({
      // Documented by the emulator as an int; kept as sent (number or string) since the real enum is unknown.
      EventType: z
        .union([z.number(), z.string()])
        .nullish()
        .transform((value) => (value === undefined || value === '' ? null : value)),
      OperationId: maybeString,
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
