import { CodedError } from '@verified-onboard/events';

/** Base of every error this package throws. */
export abstract class AdapterError extends CodedError {}

/** The base of an error that needs nothing but its code (the message says the rest). */
function withCode<const C extends string>(code: C) {
  return class extends AdapterError {
    readonly code = code;
  };
}

/** Kafka did not acknowledge a publish (broker unreachable, topic missing, timeout, producer stopped). */
export class PublishError extends withCode('publish_failed') {}

/** A publish whose caller gave up before it was handed to Kafka: it was taken out of the queue and is never sent. */
export class PublishWithdrawnError extends PublishError {}

/**
 * A publish that was sent and never acknowledged (the broker failed it, or kafkajs gave up retrying): Kafka may
 * have written it all the same, so the caller cannot say "nothing was accepted".
 */
export class PublishUnacknowledgedError extends PublishError {}

/** A selfie could not be decrypted or its digest does not match. */
export class SelfieIntegrityError extends withCode('selfie_integrity') {}

/** The read model's optimistic write lost to concurrent writers too many times in a row. */
export class ReadModelContentionError extends withCode('read_model_contention') {}

/** A listFailed cursor that this read model did not issue. */
export class InvalidCursorError extends withCode('invalid_cursor') {}
