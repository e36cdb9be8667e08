import { DEFAULT_TENANT, type EventEnvelope } from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import type { Principal } from '../auth/api-keys.js';
import type { AdmissionRules, Held } from '../enrollments/admission.js';
import type { RedisKeys } from '../enrollments/keys.js';
import { requestedEvent, storeSelfie, type SelfieStore } from '../enrollments/requested-event.js';
import { enrollmentRequestSchema } from '../enrollments/schemas.js';
import { PayloadTooLargeError } from '../errors.js';
import { batchEnrollmentId } from '../ids.js';
import type { ApiMetrics } from '../metrics.js';
import type { EventPublisher } from '../publishing/publisher.js';
import { BatchPublishFailedError } from './batch-publish-failed.js';
import { CsvLineError, csvRecord, parseCsvHeader } from './csv.js';
import { nestsDeeperThan } from './json-depth.js';
import { admitLines, type BatchLine } from './line-admission.js';
import { LINE_TOO_LARGE, splitLines } from './line-splitter.js';
import { isPublished, markPublished } from './published-lines.js';

export type BatchFormat = 'ndjson' | 'csv';

export interface Rejection {
  line: number;
  code: string;
  field: string | null;
  message: string;
}

export interface BatchResult {
  batchId: string;
  accepted: number;
  rejectedCount: number;
  rejected: Rejection[];
}

export interface BatchIngestorOptions {
  maxBytes: number;
  maxLines: number;
  maxLineBytes: number;
  /** Events per publish call; the producer batches further on its own. */
  chunkSize: number;
  /** Chunks awaiting a broker ack at once: with chunkSize, bounds the events held in memory. */
  maxInFlight: number;
  /** Rejections listed in the answer; the rest are only counted. */
  maxRejectedListed: number;
}

/** Room above the JSON body limit for a line: the same request as a single POST, give or take whitespace. */
export const LINE_MARGIN_BYTES = 64 * 1024;
/** Deeper NDJSON lines are refused before JSON.parse: no enrollment request nests more than a few levels. */
export const MAX_LINE_DEPTH = 32;

export const DEFAULT_BATCH_OPTIONS = {
  chunkSize: 1000,
  maxInFlight: 4,
  maxRejectedListed: 1000,
};
const BATCH_RECORD_TTL_SEC = 30 * 24 * 3600;

/**
 * Streams a batch body line by line into `enrollment.requested` events. Each line passes the same admission rules as
 * a single request (its tenant's account and externalRef claims, the recapture rule). Enrollment ids are name-based on
 * (batchId, line) and a bitmap records the lines Kafka acknowledged, so resubmitting a batch (same Idempotency-Key, or
 * X-Batch-Id with the id it was issued) publishes only the lines not yet published, under the same ids.
 */
export class BatchIngestor {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly publisher: EventPublisher,
    private readonly selfies: SelfieStore,
    private readonly metrics: ApiMetrics,
    private readonly admission: AdmissionRules,
    private readonly options: BatchIngestorOptions,
  ) {}

  async ingest(input: {
    batchId: string;
    format: BatchFormat;
    body: AsyncIterable<Buffer | string>;
    principal: Principal;
    /** An earlier submission of this batch: the lines it published are counted, not published again. */
    resumed: boolean;
  }): Promise<BatchResult> {
    const { batchId, format, principal } = input;
    const result: BatchResult = { batchId, accepted: 0, rejectedCount: 0, rejected: [] };
    const inFlight: Promise<void>[] = [];
    let pending: BatchLine[] = [];
    let columns: string[] | null = null;
    let lineNumber = 0;
    let dataLines = 0;
    // Every rejected publish, any value; the first is what the client hears about.
    const failures: unknown[] = [];
    const published = input.resumed
      ? ((await this.redis.getBuffer(this.keys.batchPublished(batchId))) ?? Buffer.alloc(0))
      : Buffer.alloc(0);

    const reject = (rejection: Rejection) => {
      result.rejectedCount += 1;
      if (result.rejected.length < this.options.maxRejectedListed) result.rejected.push(rejection);
    };
    const requestedAt = new Date();
    const flush = async () => {
      if (pending.length === 0) return;
      const lines = pending;
      pending = [];
      const admitted: { line: number; held: Held[] }[] = [];
      const events: EventEnvelope[] = [];
      for (const decision of await admitLines(this.admission, principal, lines)) {
        if (!decision.admitted) {
          reject(decision.rejection);
          continue;
        }
        const { line } = decision;
        const selfie = await storeSelfie(this.selfies, line.request);
        events.push(
          requestedEvent({
            enrollmentId: line.enrollmentId,
            request: line.request,
            selfie,
            priority: 'batch',
            batchId,
            line: line.line,
            correlationId: batchId,
            requestedAt,
            tenant: principal.tenant,
            requestedBy: principal.keyId,
          }),
        );
        admitted.push({ line: line.line, held: decision.held });
      }
      if (events.length === 0) return;
      const publish = this.publisher.publish('enrollmentEvents', events).then(
        async () => {
          result.accepted += admitted.length;
          // Remembered per line, so a resubmission after a failure later in the batch publishes only the rest.
          await markPublished(
            this.redis,
            this.keys.batchPublished(batchId),
            admitted.map(({ line }) => line),
            BATCH_RECORD_TTL_SEC,
          );
        },
        async (error: unknown) => {
          failures.push(error);
          await this.admission.release(admitted.flatMap(({ held }) => held)).catch(() => undefined);
        },
      );
      inFlight.push(publish);
      if (inFlight.length >= this.options.maxInFlight) await inFlight.shift();
      if (failures.length > 0) throw failures[0];
    };

    try {
      for await (const line of splitLines(input.body, {
        maxBytes: this.options.maxBytes,
        maxLineBytes: this.options.maxLineBytes,
      })) {
        lineNumber += 1;
        if (line === LINE_TOO_LARGE) {
          if (format === 'csv' && columns === null) {
            throw new PayloadTooLargeError(
              `The CSV header row exceeds ${this.options.maxLineBytes} bytes.`,
              'line_too_large',
            );
          }
          reject({
            line: lineNumber,
            code: 'line_too_large',
            field: null,
            message: `the line exceeds ${this.options.maxLineBytes} bytes`,
          });
          continue;
        }
        if (line.trim() === '') continue;
        if (format === 'csv' && columns === null) {
          columns = parseCsvHeader(line);
          continue;
        }
        dataLines += 1;
        if (dataLines > this.options.maxLines) {
          throw new PayloadTooLargeError(
            `A batch holds at most ${this.options.maxLines} lines.`,
            'too_many_lines',
          );
        }
        if (isPublished(published, lineNumber)) {
          result.accepted += 1;
          continue;
        }
        const parsed = this.parseLine(columns, line);
        if ('rejection' in parsed) {
          reject({ line: lineNumber, ...parsed.rejection });
          continue;
        }
        const validated = enrollmentRequestSchema.safeParse(parsed.value);
        if (!validated.success) {
          const issue = validated.error.issues[0];
          reject({
            line: lineNumber,
            code: 'validation_failed',
            field: issue?.path.join('.') || null,
            message: issue?.message ?? validated.error.message,
          });
          continue;
        }
        pending.push({
          line: lineNumber,
          enrollmentId: batchEnrollmentId(batchId, lineNumber),
          request: validated.data,
        });
        if (pending.length >= this.options.chunkSize) await flush();
      }
      await flush();
      await Promise.all(inFlight);
      if (failures.length > 0) throw failures[0];
    } catch (error) {
      // Let every outstanding publish settle so none rejects unobserved after the answer went out, and so the
      // answer can say how much of the batch was accepted.
      await Promise.allSettled(inFlight);
      if (BatchPublishFailedError.isPublishFailure(error)) {
        throw new BatchPublishFailedError(result.accepted, failures);
      }
      throw error;
    } finally {
      this.metrics.batchLines.inc({ outcome: 'accepted' }, result.accepted);
      this.metrics.batchLines.inc({ outcome: 'rejected' }, result.rejectedCount);
      this.metrics.enrollmentsAccepted.inc({ mode: 'any', source: 'batch' }, result.accepted);
      // Written after a failure too: the batch id in the 503 is one this tenant was issued, so X-Batch-Id resumes it.
      await this.redis
        .multi()
        .hset(this.keys.batch(batchId), {
          accepted: result.accepted,
          rejected: result.rejectedCount,
          apiKeyId: principal.keyId,
          tenant: principal.tenant,
          format,
        })
        .hsetnx(this.keys.batch(batchId), 'submittedAt', requestedAt.toISOString())
        .expire(this.keys.batch(batchId), BATCH_RECORD_TTL_SEC)
        .exec();
    }
    return result;
  }

  /** `csvColumns`: the header's columns in a CSV batch, null in an NDJSON one. */
  private parseLine(
    csvColumns: string[] | null,
    line: string,
  ): { value: unknown } | { rejection: Omit<Rejection, 'line'> } {
    if (csvColumns !== null) {
      try {
        return { value: csvRecord(csvColumns, line) };
      } catch (error) {
        if (error instanceof CsvLineError)
          return { rejection: { code: 'invalid_csv', field: null, message: error.message } };
        throw error;
      }
    }
    if (nestsDeeperThan(line, MAX_LINE_DEPTH)) {
      return {
        rejection: {
          code: 'too_deep',
          field: null,
          message: `the line nests deeper than ${MAX_LINE_DEPTH} levels`,
        },
      };
    }
    try {
      const value: unknown = JSON.parse(line);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return {
          rejection: { code: 'invalid_line', field: null, message: 'each line must be a JSON object' },
        };
      }
      return { value };
    } catch {
      return { rejection: { code: 'invalid_json', field: null, message: 'the line is not valid JSON' } };
    }
  }
}

/** Batch progress: submitted counts from the api's record, per-status counts from the read model. */
export async function readBatchRecord(redis: Redis, keys: RedisKeys, batchId: string) {
  const record = await redis.hgetall(keys.batch(batchId));
  if (!record.accepted) return null;
  return {
    accepted: Number(record.accepted),
    rejected: Number(record.rejected ?? 0),
    submittedAt: record.submittedAt ?? null,
    // Records from before tenants belong to the default tenant.
    tenant: record.tenant ?? DEFAULT_TENANT,
  };
}
