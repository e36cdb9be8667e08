import { parseArgs } from 'node:util';
import { ApiClient } from './api-client.js';
import { refuseCommandLineKey, resolveApiKey } from './api-key.js';
import { batch, status } from './commands/read.js';
import {
  deadLettersList,
  deadLettersRedrive,
  failedList,
  failedRetry,
  rebuildProjections,
  replay,
  type FailedFilter,
} from './commands/ops.js';
import { submit } from './commands/submit.js';
import { CliError, ExitCode, UsageError } from './errors.js';
import type { Io } from './output.js';

export const USAGE = `verified-onboard <command> [options]

commands:
  submit <file.ndjson|file.csv>   stream a batch, then show its progress until every enrollment is terminal
        [--batch-id NAME] [--format ndjson|csv] [--no-wait] [--timeout SEC] [--interval MS] [--report FILE]
        (--batch-id names the batch, sent as Idempotency-Key: submitting again with it resumes the batch)
  status <enrollment-id>          one enrollment
  batch <batch-id>                counts per status of a batch
  failed list                     failed enrollments [--step S] [--code C] [--batch ID] [--since ISO] [--until ISO]
        [--retryable true|false] [--limit N] [--cursor C] [--all]
  failed retry                    retry failed work: [--id ID ...] or the filters of 'failed list'
  replay                          re-drive stuck or failed enrollments from the event log
        [--id ID ...] [--batch ID] [--since ISO] [--until ISO] [--dry-run] [--no-wait]
                                  (needs --id, --batch or --since; follows the background replay)
  projections rebuild             rebuild the read model from the event log and switch over [--no-wait]
  dead-letters list               events set aside after failing every attempt [--from OFFSET] [--limit N]
  dead-letters redrive            publish them again to their source topic: --offset N [--offset N ...]

options:
  --api-url URL    api base URL (env VERIFIED_ONBOARD_API_URL, default http://127.0.0.1:3000)
  --api-key-file F a file holding keyId:secret (else env VERIFIED_ONBOARD_API_KEY; the local dev key only with
                   ALLOW_DEV_DEFAULTS=1). --api-key on the command line is refused: ps and shell history show it
  --json           machine-readable output
exit codes: 0 ok, 1 api error, 2 usage, 3 api unreachable, 4 finished with rejected or unsuccessful enrollments, 5 timed out`;

const options = {
  'api-url': { type: 'string' },
  'api-key': { type: 'string' },
  'api-key-file': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  'batch-id': { type: 'string' },
  report: { type: 'string' },
  format: { type: 'string' },
  'no-wait': { type: 'boolean', default: false },
  timeout: { type: 'string' },
  interval: { type: 'string' },
  step: { type: 'string' },
  code: { type: 'string' },
  batch: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  retryable: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean', default: false },
  id: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean', default: false },
  from: { type: 'string' },
  offset: { type: 'string', multiple: true },
} as const;

function positiveNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number, got ${value}`);
  return n;
}

/** Runs one CLI invocation and returns its exit code; never calls process.exit (tests call it in-process). */
export async function run(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (values.help || positionals.length === 0) {
      io.out(USAGE);
      return positionals.length === 0 && !values.help ? ExitCode.usage : ExitCode.ok;
    }
    const keySources = { commandLineKey: values['api-key'], keyFile: values['api-key-file'], env };
    refuseCommandLineKey(keySources);
    let apiKey: string | undefined;
    const api = new ApiClient({
      baseUrl: values['api-url'] ?? env.VERIFIED_ONBOARD_API_URL ?? 'http://127.0.0.1:3000',
      apiKey: () => (apiKey ??= resolveApiKey(keySources)),
    });
    const json = values.json;
    const filter: FailedFilter = {
      step: values.step,
      code: values.code,
      batchId: values.batch,
      since: values.since,
      until: values.until,
      retryable: values.retryable === undefined ? undefined : values.retryable === 'true',
    };
    const [command, arg] = positionals;
    switch (
      `${command}${command === 'failed' || command === 'projections' || command === 'dead-letters' ? ` ${arg ?? ''}` : ''}`
    ) {
      case 'submit':
        if (!arg) throw new UsageError('submit needs a file');
        return await submit(api, io, {
          file: arg,
          format: values.format,
          batchId: values['batch-id'],
          wait: !values['no-wait'],
          timeoutSec: positiveNumber(values.timeout, 'timeout', 3600),
          intervalMs: positiveNumber(values.interval, 'interval', 1000),
          json,
          reportFile: values.report,
        });
      case 'status':
        if (!arg) throw new UsageError('status needs an enrollment id');
        return await status(api, io, arg, json);
      case 'batch':
        if (!arg) throw new UsageError('batch needs a batch id');
        return await batch(api, io, arg, json);
      case 'failed list':
        return await failedList(api, io, filter, {
          limit: values.limit === undefined ? undefined : positiveNumber(values.limit, 'limit', 50),
          cursor: values.cursor,
          all: values.all,
          json,
        });
      case 'failed retry':
        return await failedRetry(api, io, { ...filter, enrollmentIds: values.id }, json);
      case 'replay':
        return await replay(
          api,
          io,
          {
            enrollmentIds: values.id,
            batchId: values.batch,
            since: values.since,
            until: values.until,
            dryRun: values['dry-run'],
          },
          { json, wait: !values['no-wait'], intervalMs: positiveNumber(values.interval, 'interval', 1000) },
        );
      case 'dead-letters list':
        return await deadLettersList(api, io, {
          from: values.from,
          limit: values.limit === undefined ? undefined : positiveNumber(values.limit, 'limit', 50),
          json,
        });
      case 'dead-letters redrive':
        return await deadLettersRedrive(api, io, values.offset ?? [], json);
      case 'projections rebuild':
        return await rebuildProjections(api, io, {
          wait: !values['no-wait'],
          json,
          intervalMs: positiveNumber(values.interval, 'interval', 1000),
        });
      default:
        throw new UsageError(`unknown command: ${positionals.join(' ')}`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`error: ${error.message}`);
      if (error instanceof UsageError) io.err('run with --help for usage');
      return error.exitCode;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`error: ${error.message}`);
      return ExitCode.usage;
    }
    throw error;
  }
}
