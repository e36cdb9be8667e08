// Checks at the edge of the wire, shared by every call of the client: input validated before anything is sent,
// answers validated against their schema (errors name paths and codes, never values), ids made path-safe.
import { z } from 'zod';
import type { EndpointName } from './endpoints.js';
import { InvalidRequestError, UpstreamContractError } from './errors.js';
import type { TransportRequest } from './http/transport.js';
import { accountNumberSchema } from './schemas/account.js';

export function withBearer(request: TransportRequest, token: string): TransportRequest {
  return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
}

export function decode<S extends z.ZodType>(endpoint: EndpointName, schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  // Paths and issue codes only: zod messages can quote received values, which may be secrets.
  const where = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`)
    .join('; ');
  throw new UpstreamContractError(`${endpoint}: response does not match the expected shape (${where})`, {
    endpoint,
  });
}

export function buildWire<T>(endpoint: EndpointName, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof z.ZodError) {
      const where = error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`)
        .join('; ');
      throw new InvalidRequestError(`${endpoint}: invalid input (${where})`, { endpoint });
    }
    throw error;
  }
}

export function pathSegment(endpoint: EndpointName, value: string): string {
  if (typeof value !== 'string' || value === '')
    throw new InvalidRequestError(`${endpoint}: id is empty`, { endpoint });
  return encodeURIComponent(value);
}

export function accountSegment(endpoint: EndpointName, accountNumber: string): string {
  if (!accountNumberSchema.safeParse(accountNumber).success) {
    throw new InvalidRequestError(`${endpoint}: invalid account number`, { endpoint });
  }
  return encodeURIComponent(accountNumber);
}
