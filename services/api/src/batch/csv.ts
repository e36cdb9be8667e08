import { ENROLLMENT_REQUEST_FIELDS } from '../enrollments/schemas.js';
import { ValidationFailedError } from '../errors.js';

export class CsvLineError extends Error {
  readonly code = 'invalid_csv';
}

/**
 * RFC 4180 fields of one physical line (quoted fields, doubled quotes). Records spanning several lines are
 * not supported: enrollment fields have no reason to contain newlines, and one record per line keeps line
 * numbers meaningful in the rejected list.
 */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let atFieldStart = true;
  while (i < line.length) {
    const char = line.charAt(i);
    if (quoted) {
      if (char === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        if (i < line.length && line[i] !== ',') throw new CsvLineError('characters after a closing quote');
        continue;
      }
      field += char;
      i += 1;
      continue;
    }
    if (char === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i += 1;
      continue;
    }
    if (char === '"' && atFieldStart && field === '') {
      quoted = true;
      atFieldStart = false;
      i += 1;
      continue;
    }
    atFieldStart = false;
    field += char;
    i += 1;
  }
  if (quoted) throw new CsvLineError('unterminated quoted field');
  fields.push(field);
  return fields;
}

// The selfie never comes through CSV (an image per cell would make lines megabytes long): import uses NDJSON.
const CSV_FIELDS = new Set<string>(ENROLLMENT_REQUEST_FIELDS.filter((field) => field !== 'selfie'));
const BOOLEAN_FIELDS = new Set(['checkLiveness']);
const INTEGER_FIELDS = new Set(['timeoutSec']);

/** Parses and checks the header row; an unusable header rejects the whole batch before anything is published. */
export function parseCsvHeader(line: string): string[] {
  let columns: string[];
  try {
    columns = splitCsvLine(line.replace(/^\uFEFF/, '')).map((column) => column.trim());
  } catch (error) {
    throw new ValidationFailedError(
      [{ field: null, reason: (error as Error).message }],
      'The CSV header row is malformed.',
      'invalid_csv_header',
    );
  }
  const details = columns.flatMap((column, index) => {
    if (column === 'selfie')
      return [{ field: column, reason: 'selfies are not accepted in CSV; send NDJSON for mode import' }];
    if (!CSV_FIELDS.has(column))
      return [{ field: column || `column ${index + 1}`, reason: 'unknown column' }];
    if (columns.indexOf(column) !== index) return [{ field: column, reason: 'duplicate column' }];
    return [];
  });
  if (!columns.includes('displayName'))
    details.push({ field: 'displayName', reason: 'required column missing' });
  if (details.length > 0)
    throw new ValidationFailedError(details, 'The CSV header row is not usable.', 'invalid_csv_header');
  return columns;
}

/** One CSV record as the object the enrollment schema validates: empty cells are absent, typed columns converted. */
export function csvRecord(columns: string[], line: string): Record<string, unknown> {
  const values = splitCsvLine(line);
  if (values.length !== columns.length) {
    throw new CsvLineError(`expected ${columns.length} fields, found ${values.length}`);
  }
  const record: Record<string, unknown> = {};
  columns.forEach((column, index) => {
    const value = values[index];
    if (value === undefined || value === '') return;
    if (BOOLEAN_FIELDS.has(column)) {
      const lowered = value.trim().toLowerCase();
      record[column] =
        lowered === 'true' || lowered === '1' ? true : lowered === 'false' || lowered === '0' ? false : value;
    } else if (INTEGER_FIELDS.has(column)) {
      record[column] = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
    } else {
      record[column] = value;
    }
  });
  return record;
}
