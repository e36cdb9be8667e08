/**
 * The upstream answers errors with a .NET exception-style body (docs/verified-api.md §7); clients branch on `ID`
 * and show `Message`. Every error the emulator returns on an upstream path goes through this builder.
 */
export interface DotNetErrorBody {
  Message: string;
  ID: string;
  Code: string;
  StackTrace: string | null;
  Type: string;
  InnerException: null;
  HelpLink: string | null;
  IsITAException: boolean;
  Args: string[];
}

export function dotNetErrorBody(id: string, message: string, args: string[] = []): DotNetErrorBody {
  return {
    Message: message,
    ID: id,
    // Emulator assumption: the real `Code` values are unknown; echoing the ID keeps it stable and non-empty.
    Code: id,
    StackTrace: null,
    Type: 'ITA.Common.Exceptions.ITAException',
    InnerException: null,
    HelpLink: null,
    IsITAException: true,
    Args: args,
  };
}

/** Thrown by route handlers; the endpoint wrapper and the error handler turn it into status + .NET body. */
export class UpstreamApiError extends Error {
  readonly code: string;

  constructor(
    readonly httpStatus: number,
    id: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'UpstreamApiError';
    this.code = id;
  }

  body(): DotNetErrorBody {
    return dotNetErrorBody(this.code, this.message);
  }
}

export const notAuthenticated = (): UpstreamApiError =>
  new UpstreamApiError(401, 'E_USER_NOT_AUTHENTICATED', 'User is not authenticated.');

export const invalidRequest = (message: string): UpstreamApiError =>
  new UpstreamApiError(400, 'E_INVALID_REQUEST', message);

/** Errors of the control API and capture page API (not upstream paths): plain `{ error, message }`. */
export class EmulatorControlError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorControlError';
  }
}
