import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { ApiError, UnreachableError } from './errors.js';

export interface ApiClientOptions {
  baseUrl: string;
  /**
   * `keyId:secret`, sent as a bearer credential; asked for at the first request, so a command refused for its
   * arguments says so before a missing key is reported.
   */
  apiKey: () => string;
}

/** The few api calls the CLI makes; every non-2xx answer becomes an ApiError with the api's code. */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get<T>(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const qs = params.size ? `?${params.toString()}` : '';
    return this.request<T>('GET', `${path}${qs}`);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  }

  /** Streams a file as the request body, so a 10^6-line batch never sits in memory. */
  postFile<T>(
    path: string,
    file: string,
    contentType: string,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
    return this.request<T>('POST', path, {
      body,
      headers: { 'content-type': contentType, ...headers },
      duplex: 'half',
    });
  }

  private async request<T>(
    method: string,
    path: string,
    init: RequestInit & { duplex?: 'half' } = {},
  ): Promise<T> {
    const url = new URL(path, this.options.baseUrl).toString();
    const apiKey = this.options.apiKey();
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          accept: 'application/json',
          ...(init.headers as Record<string, string>),
        },
      });
    } catch (error) {
      const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
      throw new UnreachableError(
        this.options.baseUrl,
        cause?.code ?? cause?.message ?? (error as Error).message,
      );
    }
    const text = await response.text();
    const json = text ? safeJson(text) : undefined;
    if (!response.ok) throw apiErrorFrom(response.status, response.statusText, text);
    return json as T;
  }
}

/** The api's RFC 9457 problem as an ApiError; an answer of another shape keeps its status and first bytes. */
export function apiErrorFrom(status: number, statusText: string, text: string): ApiError {
  const problem = (text ? safeJson(text) : undefined) as
    { code?: unknown; detail?: unknown; errors?: Array<{ field?: string; reason?: string }> } | undefined;
  return new ApiError(
    status,
    typeof problem?.code === 'string' ? problem.code : `http_${status}`,
    typeof problem?.detail === 'string' ? problem.detail : text.slice(0, 200) || statusText,
    Array.isArray(problem?.errors) ? problem.errors : [],
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
