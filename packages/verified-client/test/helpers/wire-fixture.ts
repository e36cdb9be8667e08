import { afterEach, beforeEach } from 'vitest';
import { VerifiedClient } from '../../src/index.js';
import {
  fakeJwt,
  json,
  startFakeUpstream,
  type FakeUpstream,
  type RecordedRequest,
} from './fake-upstream.js';

export const TOKEN_PATH = '/IDCompleteBackendEngine/IdentityService/v1/auth/token';
export const REFRESH_PATH = '/IDCompleteBackendEngine/IdentityService/v1/auth/refresh';
export const ADMIN = '/IDCompleteBackendEngine/Default/AdministrationServiceRest';

type Respond = Parameters<Parameters<FakeUpstream['handle']>[0]>[1];

/** A fresh fake upstream per test and the client under test, closed after it. */
export interface WireFixture {
  readonly upstream: FakeUpstream;
  /** Tokens issued so far. */
  readonly issued: number;
  issueToken: (lifetimeSec?: number) => { AccessToken: string; RefreshToken: string };
  /** Serves tokens, and delegates everything else to `data`. */
  withIdentity: (data: (req: RecordedRequest, res: Respond) => void) => void;
  newClient: (extra?: Partial<ConstructorParameters<typeof VerifiedClient>[0]>) => VerifiedClient;
  /** Requests other than the identity service's. */
  dataRequests: () => RecordedRequest[];
}

/** Registers the per-test upstream and client; call once at the top of a test file. */
export function useWireFixture(): WireFixture {
  let upstream: FakeUpstream | undefined;
  let client: VerifiedClient | undefined;
  let issued = 0;
  const current = () => {
    if (!upstream) throw new Error('the fake upstream is started by beforeEach');
    return upstream;
  };
  beforeEach(async () => {
    upstream = await startFakeUpstream();
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await upstream?.close();
  });
  const issueToken = (lifetimeSec = 900) => {
    issued += 1;
    const now = Math.floor(Date.now() / 1000);
    return {
      AccessToken: fakeJwt({ iat: now, exp: now + lifetimeSec }, `n${issued}`),
      RefreshToken: `refresh-${issued}`,
    };
  };
  return {
    get upstream() {
      return current();
    },
    get issued() {
      return issued;
    },
    issueToken,
    withIdentity: (data) =>
      current().handle((req, res) => {
        if (req.url === TOKEN_PATH || req.url === REFRESH_PATH) return json(res, 200, issueToken());
        return data(req, res);
      }),
    newClient: (extra = {}) => {
      client = new VerifiedClient({
        baseUrl: current().url,
        apiKeyId: 'key-id',
        apiKeyValue: 'key-value',
        timeoutMs: 2_000,
        ...extra,
      });
      return client;
    },
    dataRequests: () => current().requests.filter((r) => !r.url.includes('/IdentityService/')),
  };
}
