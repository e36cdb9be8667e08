import type { EventEnvelope } from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../enrollments/keys.js';
import { requestedEvent, storeSelfie, type SelfieStore } from '../enrollments/requested-event.js';
import { enrollmentRequestSchema } from '../enrollments/schemas.js';
import { PayloadTooLargeError } from '../errors.js';
import { batchEnrollmentId } from '../ids.js';
import type { ApiMetrics } from '../metrics.js';
import type { EventPublisher } from '../publishing/publisher.js';
import { CsvLineError, csvRecord, parseCsvHeader } from './csv.js';
import { splitLines } from './line-splitter.js';

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

export const DEFAULT_BATCH_OPTIONS = {
  maxLineBytes: 16 * 1024 * 1024,
  chunkSize: 1000,
  maxInFlight: 4,
  maxRejectedListed: 1000,
};
const BATCH_RECORD_TTL_SEC = 30 * 24 * 3600;

/**
 * Streams a batch body line by line into `enrollment.requested` events. Idempotency without per-line Redis keys:
 * enrollment ids are name-based on (batchId, line) and event ids on the enrollment id, so resubmitting a batch
 * (same Idempotency-Key / X-Batch-Id) republishes identical event ids that consumers drop as duplicates.
 */
export class BatchIngestor {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly publisher: EventPublisher,
    private readonly selfies: SelfieStore,
    private readonly metrics: ApiMetrics,
    private readonly options: BatchIngestorOptions,
  ) {}

  async ingest(input: {
    batchId: string;
    format: BatchFormat;
    body: AsyncIterable<Buffer | string>;
    apiKeyId: string;
  }): Promise<BatchResult> {
    const { batchId, format } = input;
    const result: BatchResult = { batchId, accepted: 0, rejectedCount: 0, rejected: [] };
    const inFlight: Promise<void>[] = [];
    let chunk: EventEnvelope[] = [];
    let chunkAccepted = 0;
    let columns: string[] | null = null;
    let lineNumber = 0;
    let dataLines = 0;
    // Every rejected publish, any value; the first is what the client hears about.
    const failures: unknown[] = [];

    const reject = (rejection: Rejection) => {
      result.rejectedCount += 1;
      if (result.rejected.length < this.options.maxRejectedListed) result.rejected.push(rejection);
    };
    const flush = async () => {
      if (chunk.length === 0) return;
      const events = chunk;
      const count = chunkAccepted;
      chunk = [];
      chunkAccepted = 0;
      const publish = this.publisher.publish('enrollment', events).then(
        () => {
          result.accepted += count;
        },
        (error: unknown) => {
          failures.push(error);
        },
      );
      inFlight.push(publish);
      if (inFlight.length >= this.options.maxInFlight) await inFlight.shift();
      if (failures.length > 0) throw failures[0];
    };

    const requestedAt = new Date();
    try {
      for await (const line of splitLines(input.body, {
        maxBytes: this.options.maxBytes,
        maxLineBytes: this.options.maxLineBytes,
      })) {
        lineNumber += 1;
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
        const enrollmentId = batchEnrollmentId(batchId, lineNumber);
        const selfie = await storeSelfie(this.selfies, validated.data);
        chunk.push(
          requestedEvent({
            enrollmentId,
            request: validated.data,
            selfie,
            priority: 'batch',
            batchId,
            line: lineNumber,
            correlationId: batchId,
            requestedAt,
          }),
        );
        chunkAccepted += 1;
        if (chunk.length >= this.options.chunkSize) await flush();
      }
      await flush();
      await Promise.all(inFlight);
      if (failures.length > 0) throw failures[0];
    } catch (error) {
      // Let every outstanding publish settle so none rejects unobserved after the answer went out.
      await Promise.allSettled(inFlight);
      throw error;
    } finally {
      this.metrics.batchLines.inc({ outcome: 'accepted' }, result.accepted);
      this.metrics.batchLines.inc({ outcome: 'rejected' }, result.rejectedCount);
      this.metrics.enrollmentsAccepted.inc({ mode: 'any', source: 'batch' }, result.accepted);
    }

    await this.redis
      .multi()
      .hset(this.keys.batch(batchId), {
        accepted: result.accepted,
        rejected: result.rejectedCount,
        apiKeyId: input.apiKeyId,
        format,
        submittedAt: requestedAt.toISOString(),
      })
      .expire(this.keys.batch(batchId), BATCH_RECORD_TTL_SEC)
      .exec();
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
  };
}
