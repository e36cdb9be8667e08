import { createHash, timingSafeEqual } from 'node:crypto';
import { DEFAULT_TENANT, DEV_API_KEY, MIN_SECRET_BYTES, TENANT_PATTERN } from '@verified-onboard/events';

export const SCOPES = ['enrollments:write', 'enrollments:read', 'enrollments:recapture', 'ops'] as const;
export type Scope = (typeof SCOPES)[number];

// The tenant name rules are the event catalogue's (an enrollment.requested carries the tenant).
export { DEFAULT_TENANT, TENANT_PATTERN };
/** Configured secrets are refused below this many bytes: they must resist offline and online guessing. */
export { MIN_SECRET_BYTES };

export interface Principal {
  keyId: string;
  /** Whose data this key creates and sees; every record it creates belongs to this tenant. */
  tenant: string;
  scopes: ReadonlySet<Scope>;
}

/** An `ops` key is the service operator's: it acts across tenants. */
export const isOperator = (principal: Principal): boolean => principal.scopes.has('ops');

/**
 * Whether `principal` may see a record of `tenant`: its own tenant's, or any as the operator. Callers answer
 * 404 otherwise, with the body a missing id gets, so ids of other tenants cannot even be confirmed.
 */
export const canSee = (principal: Principal, tenant: string): boolean =>
  principal.tenant === tenant || isOperator(principal);

export class ApiKeyConfigError extends Error {
  readonly code = 'invalid_api_keys';
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeyConfigError';
  }
}

interface StoredKey {
  keyId: string;
  tenant: string;
  secretDigest: Buffer;
  scopes: ReadonlySet<Scope>;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
// Compared against when the key id is unknown, so an unknown id costs the same as a wrong secret.
const DECOY_DIGEST = digest('decoy-secret-never-matches');

/**
 * API keys from `API_KEYS` (`keyId:secret:scope+scope[@tenant],...`). Secrets are kept only as sha256 digests and
 * compared in constant time; the secret may itself contain ':' (key id is before the first, scopes after the last).
 */
export class ApiKeyStore {
  private readonly keys = new Map<string, StoredKey>();

  private constructor(
    entries: StoredKey[],
    readonly isLocalDevKey: boolean,
  ) {
    for (const entry of entries) this.keys.set(entry.keyId, entry);
  }

  /** Without API_KEYS the local all-scope dev key is used, and only when dev defaults are allowed. */
  static fromConfig(apiKeys: string | undefined, devDefaultsAllowed: boolean): ApiKeyStore {
    if (apiKeys === undefined || apiKeys.trim() === '') {
      if (!devDefaultsAllowed) throw new ApiKeyConfigError('API_KEYS is not set');
      return new ApiKeyStore(
        [
          {
            keyId: DEV_API_KEY.keyId,
            tenant: DEFAULT_TENANT,
            secretDigest: digest(DEV_API_KEY.secret),
            scopes: new Set(SCOPES),
          },
        ],
        true,
      );
    }
    const entries = apiKeys
      .split(',')
      .map((raw) => raw.trim())
      .filter(Boolean)
      .map(parseEntry);
    const seen = new Set<string>();
    for (const entry of entries) {
      if (seen.has(entry.keyId)) throw new ApiKeyConfigError(`API key "${entry.keyId}" is configured twice`);
      seen.add(entry.keyId);
    }
    return new ApiKeyStore(entries, false);
  }

  get size(): number {
    return this.keys.size;
  }

  /** `credential` is `keyId:secret`; returns null for anything that does not match a configured key. */
  authenticate(credential: string): Principal | null {
    const separator = credential.indexOf(':');
    if (separator <= 0) return null;
    const keyId = credential.slice(0, separator);
    const given = digest(credential.slice(separator + 1));
    const stored = this.keys.get(keyId);
    const equal = timingSafeEqual(given, stored?.secretDigest ?? DECOY_DIGEST);
    return stored && equal ? { keyId: stored.keyId, tenant: stored.tenant, scopes: stored.scopes } : null;
  }

  /**
   * The key id a credential claims when that key exists, else null: failed attempts are counted per real key
   * only, so made-up key ids cannot fill Redis with counters.
   */
  knownKeyId(credential: string): string | null {
    const keyId = credential.slice(0, Math.max(0, credential.indexOf(':')));
    return this.keys.has(keyId) ? keyId : null;
  }
}

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SCOPE_PATTERN = SCOPES.map(escapeRegExp).join('|');
// Scope names contain ':' themselves, so the entry is split by pattern: key id up to the first ':', then a
// secret (which may contain ':'), then a '+'-separated list of known scopes, then an optional `@tenant`.
const ENTRY = new RegExp(`^([^:]+):(.+):((?:${SCOPE_PATTERN})(?:\\+(?:${SCOPE_PATTERN}))*)(?:@([^@:]+))?$`);

function parseEntry(raw: string): StoredKey {
  const match = ENTRY.exec(raw);
  if (!match) {
    const keyId = raw.split(':', 1)[0] ?? '';
    throw new ApiKeyConfigError(
      `API key "${keyId}": each API_KEYS entry must read keyId:secret:scope+scope[@tenant] with scopes among ${SCOPES.join(', ')}`,
    );
  }
  const [, keyId, secret, scopeList, tenant = DEFAULT_TENANT] = match as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES)
    throw new ApiKeyConfigError(`API key "${keyId}": secret shorter than ${MIN_SECRET_BYTES} bytes`);
  if (!TENANT_PATTERN.test(tenant))
    throw new ApiKeyConfigError(`API key "${keyId}": tenant must match ${TENANT_PATTERN.source}`);
  return { keyId, tenant, secretDigest: digest(secret), scopes: new Set(scopeList.split('+') as Scope[]) };
}
