/** A QUEUE_PREFIX that would break the key layout (a ':' splits namespaces, whitespace breaks key names). */
export class InvalidQueuePrefixError extends Error {
  readonly code = 'invalid_queue_prefix';
  constructor(value: string, rule: string) {
    super(`QUEUE_PREFIX ${JSON.stringify(value)} is not valid: ${rule}`);
    this.name = 'InvalidQueuePrefixError';
  }
}

/** A log redaction path the redactor cannot read (see log-redaction.ts for the syntax). */
export class InvalidRedactPathError extends Error {
  readonly code = 'invalid_redact_path';
  constructor(path: string) {
    super(`log redaction path ${JSON.stringify(path)} is not valid`);
    this.name = 'InvalidRedactPathError';
  }
}
