import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvLineError, csvRecord, parseCsvHeader, splitCsvLine } from '../src/batch/csv.js';
import { splitLines } from '../src/batch/line-splitter.js';
import { PayloadTooLargeError, ValidationFailedError } from '../src/errors.js';
import { batchEnrollmentId, batchIdFromClientKey } from '../src/ids.js';
import { sanitizeUrl } from '../src/logger.js';

const collect = async (source: Iterable<string>, limits = { maxBytes: 1e9, maxLineBytes: 1e6 }) => {
  const lines: string[] = [];
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
    const lines: string[] = [];
    for await (const line of splitLines(Readable.from(split), { maxBytes: 100, maxLineBytes: 100 }))
      lines.push(line);
    expect(lines).toEqual(['x€', 'y']);
  });

  it('enforces the body and line limits', async () => {
    await expect(collect(['a\n'.repeat(10)], { maxBytes: 5, maxLineBytes: 100 })).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    await expect(collect(['x'.repeat(50)], { maxBytes: 1000, maxLineBytes: 10 })).rejects.toMatchObject({
      code: 'line_too_large',
    });
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
