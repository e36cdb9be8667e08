export { run, USAGE } from './run.js';
export { ExitCode, CliError, ApiError, UsageError, UnreachableError } from './errors.js';
export { progressLine, settledCount, SETTLED_STATUSES, type BatchView } from './progress.js';
export type { Io } from './output.js';
