/** HTTP header names (lower case, as Node delivers them) that more than one package sends or reads. */
export const HEADERS = {
  /** base64 HMAC-SHA256 of a webhook's raw body: the emulator signs, the api verifies. */
  signature: 'x-signature',
  idempotencyKey: 'idempotency-key',
  /** The id of a batch, issued by the api and sent back to resume it. */
  batchId: 'x-batch-id',
} as const;
