/** Exit codes scripts can rely on (documented in docs/operations.md). */
export const ExitCode = {
  ok: 0,
  apiError: 1,
  usage: 2,
  unreachable: 3,
  incomplete: 4,
  timeout: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Any failure the CLI reports; `exitCode` is what the process exits with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly code: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.usage, 'usage');
  }
}

/** The api answered with an RFC 9457 problem `{ type, title, status, detail, instance, code, errors? }`. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly details: Array<{ field?: string; reason?: string }> = [],
  ) {
    super(`${message} (HTTP ${status}, ${code})`, ExitCode.apiError, code);
  }
}

export class UnreachableError extends CliError {
  constructor(url: string, cause: string) {
    super(`cannot reach the api at ${url}: ${cause}`, ExitCode.unreachable, 'unreachable');
  }
}
