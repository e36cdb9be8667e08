/**
 * An error with a stable `code` callers can switch on (it lands in events, logs and metrics), named after
 * its class. The base of this package's errors and of the ones the worker raises itself.
 */
export abstract class CodedError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Base of every error this package throws. */
export abstract class EventsError extends CodedError {}

/** The base of an error that needs nothing but its code (the message says the rest). */
function withCode<const C extends string>(code: C) {
  return class extends EventsError {
    readonly code = code;
  };
}

/**
 * A message or object that is not a valid event: bad JSON, missing CloudEvents attributes, unknown type,
 * data failing its schema, or a secret-bearing field. `reason` is a short machine-readable category
 * (it becomes the `dlq-reason` header), `message` the human detail.
 */
export class EventValidationError extends EventsError {
  readonly code = 'invalid_event';
  constructor(
    readonly reason:
      | 'bad_json'
      | 'missing_attribute'
      | 'unsupported_specversion'
      | 'unknown_type'
      | 'invalid_data'
      | 'invalid_envelope'
      | 'forbidden_field',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An event that the enrollment state machine cannot apply in the current state. */
export class InvalidTransitionError extends EventsError {
  readonly code = 'invalid_transition';
  constructor(
    readonly enrollmentId: string,
    readonly from: string | null,
    readonly eventType: string,
    detail?: string,
  ) {
    super(
      `enrollment ${enrollmentId}: ${eventType} is not valid from ${from ?? 'no state'}${detail ? ` (${detail})` : ''}`,
    );
  }
}

/** Two different events claim the same position in an enrollment's stream (or a new event arrived below the head). */
export class SequenceConflictError extends EventsError {
  readonly code = 'sequence_conflict';
  constructor(
    readonly enrollmentId: string,
    readonly sequence: number,
    readonly version: number,
    readonly eventId: string,
  ) {
    super(
      `enrollment ${enrollmentId}: event ${eventId} at sequence ${sequence} conflicts with the stream at version ${version}`,
    );
  }
}

/** Events of more than one enrollment were given to one fold. */
export class MixedSubjectsError extends EventsError {
  readonly code = 'mixed_subjects';
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`fold over enrollment ${expected} received an event of ${actual}`);
  }
}

/** An encryption key is not 32 bytes of base64 or hex, or ENCRYPTION_KEYS is not `id:key,...`. */
export class InvalidEncryptionKeyError extends withCode('invalid_encryption_key') {}

/** A sealed value the keyring cannot open: not sealed, sealed under a key it lacks, or failing authentication. */
export class SealedDataError extends EventsError {
  readonly code = 'sealed_data';
  constructor(
    readonly reason: 'format' | 'unknown_key' | 'authentication',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An upcaster registration that would make the chain ambiguous or cyclic. */
export class UpcasterRegistrationError extends withCode('invalid_upcaster') {}

/** A stored read-model record that lacks what every record has (its events, its status). */
export class CorruptRecordError extends withCode('corrupt_record') {}
