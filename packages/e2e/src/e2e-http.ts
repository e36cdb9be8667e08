// JSON over HTTP to the stack's processes, with the status of a non-2xx answer kept for the caller.
export class HttpStatusError extends Error {
  readonly code = 'http_status';
  constructor(
    readonly status: number,
    readonly url: string,
    readonly body: string,
  ) {
    super(`${url} answered ${status}: ${body.slice(0, 300)}`);
    this.name = 'HttpStatusError';
  }
}

export async function requestJson<T>(
  url: string,
  init: RequestInit = {},
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(url, {
    ...init,
    headers: {
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  const text = await response.text();
  if (!response.ok) throw new HttpStatusError(response.status, url, text);
  return (text ? JSON.parse(text) : null) as T;
}
