import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvLineError, csvRecord, parseCsvHeader, splitCsvLine } from '../src/batch/csv.js';
import { nestsDeeperThan } from '../src/batch/json-depth.js';
import { LINE_TOO_LARGE, splitLines, type SplitLine, type SplitWork } from '../src/batch/line-splitter.js';
import { PayloadTooLargeError, ValidationFailedError } from '../src/errors.js';
import { batchEnrollmentId, batchIdFromClientKey } from '../src/ids.js';
import { sanitizeUrl } from '../src/logger.js';

const collect = async (source: Iterable<string>, limits = { maxBytes: 1e9, maxLineBytes: 1e6 }) => {
  const lines: SplitLine[] = [];
  for await (const line of splitLines(Readable.from([...source].map((s) => Buffer.from(s))), limits))
    lines.push(line);
  return lines;
};

describe('splitLines', () => {
  it('splits across chunk boundaries, strips CR, keeps a last line without newline and multi-byte characters', async () => {
    const euro = Buffer.from('€');
    const chunks = ['a\r\nb', 'c\n', '\n', 'd'];
    expect(await collect(chunks)).toEqual(['a', 'bc', '', 'd']);
    const split = [
      Buffer.concat([Buffer.from('x'), euro.subarray(0, 1)]),
      Buffer.concat([euro.subarray(1), Buffer.from('\ny')]),
    ];
    const lines: SplitLine[] = [];
    for await (const line of splitLines(Readable.from(split), { maxBytes: 100, maxLineBytes: 100 }))
      lines.push(line);
    expect(lines).toEqual(['x€', 'y']);
  });

  it('enforces the body limit; an over-long line is replaced by a marker and the lines after it still come', async () => {
    await expect(collect(['a\n'.repeat(10)], { maxBytes: 5, maxLineBytes: 100 })).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    const limits = { maxBytes: 1000, maxLineBytes: 10 };
    expect(await collect(['x'.repeat(50)], limits)).toEqual([LINE_TOO_LARGE]);
    // Over the limit within one chunk, across chunks, and exactly at the limit (a CR does not count).
    expect(await collect(['a\n', 'y'.repeat(11), '\nb\n'], limits)).toEqual(['a', LINE_TOO_LARGE, 'b']);
    expect(await collect(['a\n', 'yyyyyy', 'yyyyyy', 'yyy\nb'], limits)).toEqual(['a', LINE_TOO_LARGE, 'b']);
    expect(await collect(['z'.repeat(11) + '\nc\n'], limits)).toEqual([LINE_TOO_LARGE, 'c']);
    expect(await collect(['0123456789\r\n', '01234', '56789\r', '\n'], limits)).toEqual([
      '0123456789',
      '0123456789',
    ]);
    expect(await collect(['€€€€'], limits)).toEqual([LINE_TOO_LARGE]); // 12 bytes, 4 UTF-16 units
  });

  /** The work of splitting `lines` lines of `lineBytes` bytes each, fed in `chunkBytes` chunks. */
  const workOf = async (lineBytes: number, lines: number, chunkBytes: number, maxLineBytes = 1 << 30) => {
    const line = Buffer.alloc(lineBytes + 1, 'a');
    line[lineBytes] = 0x0a;
    const body = Buffer.concat(Array.from({ length: lines }, () => line));
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < body.length; offset += chunkBytes)
      chunks.push(body.subarray(offset, offset + chunkBytes));
    const work: SplitWork = { scanned: 0, copied: 0 };
    let count = 0;
    for await (const split of splitLines(Readable.from(chunks), { maxBytes: 1 << 30, maxLineBytes }, work)) {
      expect(split === LINE_TOO_LARGE || split.length === lineBytes).toBe(true);
      count += 1;
    }
    expect(count).toBe(lines);
    return { ...work, input: body.length };
  };

  it('is linear: each byte is scanned once and copied at most once, however small the chunks', async () => {
    const one = await workOf(512 * 1024, 1, 1024);
    expect(one.scanned).toBe(one.input);
    expect(one.copied).toBe(512 * 1024);
    const four = await workOf(512 * 1024, 4, 1024);
    expect(four.scanned).toBe(4 * one.scanned);
    expect(four.copied).toBe(4 * one.copied);
    // The same line in chunks 64 times smaller costs the same, not 64 times more.
    const tiny = await workOf(512 * 1024, 1, 16);
    expect(tiny).toEqual(one);
  });

  it('an over-long line is scanned once and never copied', async () => {
    const refused = await workOf(4 * 1024 * 1024, 1, 1024, 1024 * 1024);
    expect(refused.scanned).toBe(refused.input);
    expect(refused.copied).toBe(0);
  });
});

describe('nestsDeeperThan', () => {
  it('counts bracket depth outside strings, escaped quotes included', () => {
    expect(nestsDeeperThan('[[[]]]', 3)).toBe(false);
    expect(nestsDeeperThan('[[[[]]]]', 3)).toBe(true);
    expect(nestsDeeperThan('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":"[[[[[[\\"[[[[", "b":"\\\\"}', 2)).toBe(false);
    expect(nestsDeeperThan('{"a":"\\\\", "b":[[[1]]]}', 3)).toBe(true);
    expect(nestsDeeperThan('[' + '{"x":'.repeat(40), 32)).toBe(true);
  });
});

describe('CSV', () => {
  it('splits quoted fields with commas and doubled quotes', () => {
    expect(splitCsvLine('a,"b, c","say ""hi""",')).toEqual(['a', 'b, c', 'say "hi"', '']);
    expect(() => splitCsvLine('"open')).toThrow(CsvLineError);
    expect(() => splitCsvLine('"a"b')).toThrow(CsvLineError);
  });

  it('checks the header: unknown, duplicate and selfie columns, displayName required', () => {
    expect(parseCsvHeader('\uFEFFdisplayName,email,transport')).toEqual([
      'displayName',
      'email',
      'transport',
    ]);
    try {
      parseCsvHeader('email,bogus,selfie,email');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationFailedError);
      expect((error as ValidationFailedError).details.map((d) => d.field)).toEqual([
        'bogus',
        'selfie',
        'email',
        'displayName',
      ]);
    }
  });

  it('turns a record into the request object: empty cells absent, booleans and integers typed', () => {
    const columns = ['displayName', 'checkLiveness', 'timeoutSec', 'email'];
    expect(csvRecord(columns, 'Ada,false,120,')).toEqual({
      displayName: 'Ada',
      checkLiveness: false,
      timeoutSec: 120,
    });
    expect(csvRecord(columns, 'Ada,maybe,soon,a@b.c')).toEqual({
      displayName: 'Ada',
      checkLiveness: 'maybe',
      timeoutSec: 'soon',
      email: 'a@b.c',
    });
    expect(() => csvRecord(columns, 'Ada,true')).toThrow(/expected 4 fields/);
  });
});

describe('ids and log sanitizing', () => {
  it('derives batch ids per API key and enrollment ids per (batch, line), deterministically', () => {
    expect(batchIdFromClientKey('a', 'k')).toBe(batchIdFromClientKey('a', 'k'));
    expect(batchIdFromClientKey('a', 'k')).not.toBe(batchIdFromClientKey('b', 'k'));
    const batch = batchIdFromClientKey('a', 'k');
    expect(batchEnrollmentId(batch, 2)).toBe(batchEnrollmentId(batch, 2));
    expect(batchEnrollmentId(batch, 2)).not.toBe(batchEnrollmentId(batch, 3));
    expect(batchEnrollmentId(batch, 2)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('masks secret query parameters', () => {
    expect(sanitizeUrl('/?i=op1&s=abc%2Bdef&x=1')).toBe('/?i=op1&s=[REDACTED]&x=1');
    expect(sanitizeUrl('/ops/queues?apiKey=k:secret')).toBe('/ops/queues?apiKey=[REDACTED]');
  });
});
