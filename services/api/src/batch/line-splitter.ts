import { PayloadTooLargeError } from '../errors.js';

export interface SplitLimits {
  maxBytes: number;
  maxLineBytes: number;
}

/** Bytes the splitter looked at and bytes it copied or decoded: the work a body costs, for tests to measure. */
export interface SplitWork {
  scanned: number;
  copied: number;
}

/** Stands in for a line longer than `maxLineBytes`: its bytes were skipped, never copied or decoded. */
export const LINE_TOO_LARGE: unique symbol = Symbol('line too large');
export type SplitLine = string | typeof LINE_TOO_LARGE;

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Lines of a byte stream, pulled one at a time: the source is read only as fast as the consumer asks, so memory
 * stays at one chunk plus one partial line whatever the body size. Linear in the body: each byte is searched for
 * a newline once (the newline byte never occurs inside a UTF-8 sequence, so bytes are split before decoding), and
 * a partial line is kept as a list of chunks joined once when its newline arrives. A line over `maxLineBytes` is
 * reported as LINE_TOO_LARGE as soon as it crosses the limit and its remaining bytes are dropped as they stream
 * past; the lines after it are still split. Counts bytes to enforce the body limit (custom content-type parsers get
 * the raw stream, so Fastify's bodyLimit does not apply to them).
 */
export async function* splitLines(
  source: AsyncIterable<Buffer | string>,
  limits: SplitLimits,
  work: SplitWork = { scanned: 0, copied: 0 },
): AsyncGenerator<SplitLine> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  let discarding = false;
  let bytes = 0;

  const finish = (last: Buffer): SplitLine => {
    const length = partBytes + last.length;
    const joined = parts.length === 0 ? last : Buffer.concat([...parts, last], length);
    parts = [];
    partBytes = 0;
    const end = joined.length > 0 && joined[joined.length - 1] === CR ? joined.length - 1 : joined.length;
    if (end > limits.maxLineBytes) return LINE_TOO_LARGE;
    work.copied += length;
    return joined.toString('utf8', 0, end);
  };

  for await (const chunk of source) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    if (bytes > limits.maxBytes) {
      throw new PayloadTooLargeError(`The batch body exceeds ${limits.maxBytes} bytes.`, 'batch_too_large');
    }
    let start = 0;
    for (;;) {
      const newline = buffer.indexOf(NEWLINE, start);
      work.scanned += (newline === -1 ? buffer.length : newline + 1) - start;
      if (newline === -1) break;
      if (discarding) {
        discarding = false;
      } else if (partBytes + (newline - start) > limits.maxLineBytes + 1) {
        // + 1 here and below: a CR before the newline is not part of the line (finish checks the exact length).
        parts = [];
        partBytes = 0;
        yield LINE_TOO_LARGE;
      } else {
        yield finish(buffer.subarray(start, newline));
      }
      start = newline + 1;
    }
    if (discarding || start === buffer.length) continue;
    const rest = buffer.subarray(start);
    if (partBytes + rest.length > limits.maxLineBytes + 1) {
      parts = [];
      partBytes = 0;
      discarding = true;
      yield LINE_TOO_LARGE;
    } else {
      parts.push(rest);
      partBytes += rest.length;
    }
  }
  if (partBytes > 0) yield finish(Buffer.alloc(0));
}
