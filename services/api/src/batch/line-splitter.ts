import { StringDecoder } from 'node:string_decoder';
import { PayloadTooLargeError } from '../errors.js';

export interface SplitLimits {
  maxBytes: number;
  maxLineBytes: number;
}

/**
 * Lines of a byte stream, pulled one at a time: the source is read only as fast as the consumer asks, so memory
 * stays at one chunk plus one partial line whatever the body size. Counts bytes to enforce the body limit
 * (custom content-type parsers get the raw stream, so Fastify's bodyLimit does not apply to them).
 */
export async function* splitLines(
  source: AsyncIterable<Buffer | string>,
  limits: SplitLimits,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let bytes = 0;
  for await (const chunk of source) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    if (bytes > limits.maxBytes) {
      throw new PayloadTooLargeError(`The batch body exceeds ${limits.maxBytes} bytes.`, 'batch_too_large');
    }
    pending += decoder.write(buffer);
    let start = 0;
    let newline = pending.indexOf('\n', start);
    while (newline !== -1) {
      yield stripCr(pending.slice(start, newline));
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
    if (pending.length > limits.maxLineBytes) {
      throw new PayloadTooLargeError(`A batch line exceeds ${limits.maxLineBytes} bytes.`, 'line_too_large');
    }
  }
  pending += decoder.end();
  if (pending.length > 0) yield stripCr(pending);
}

const stripCr = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);
