/**
 * Every value the local stack uses in place of a real secret. Anyone reading the source knows them, so a process
 * uses them only when local development is switched on (`ALLOW_DEV_DEFAULTS=1`) and refuses them otherwise
 * (secret-policy.ts). The emulator's own defaults (packages/verified-emulator/src/options.ts) match these.
 */

/** The one switch: set by `npm run up`, `npm run demo`, the test harnesses, the bench and the soak; never by compose. */
export const DEV_DEFAULTS_SWITCH = 'ALLOW_DEV_DEFAULTS';

/** The local all-scope API key; its secret is as long as a real one so it passes the same parser. */
export const DEV_API_KEY = {
  keyId: 'local-dev-key',
  secret: 'local-dev-secret-only-for-127.0.0.1-never-deploy',
} as const;
/** `keyId:secret`, as clients send it (CLI, demo, e2e). */
export const DEV_API_KEY_CREDENTIAL = `${DEV_API_KEY.keyId}:${DEV_API_KEY.secret}`;

/** AES-256 key of the selfie vault in development (64 hex characters). */
export const DEV_SELFIE_ENCRYPTION_KEY = '00000000000000000000000000000000000000000000000000000000deadbeef';

/** The emulator's webhook signing secret. */
export const DEV_WEBHOOK_SECRET = 'emulator-webhook-secret';

/** The emulator's vendor key pair (the real one comes from Verified's Identity Portal). */
export const DEV_VENDOR_KEY = { keyId: 'emulator-key-id', keyValue: 'emulator-key-value' } as const;

/** Where the emulator listens; plain http is allowed only in development. */
export const DEV_VERIFIED_BASE_URL = 'http://127.0.0.1:4010';

/** Dev mode listens on loopback only, so a forgotten switch on a host never exposes the dev key. */
export const DEV_LISTEN_HOST = '127.0.0.1';

/** Configured secrets shorter than this are refused (they must resist offline and online guessing). */
export const MIN_SECRET_BYTES = 32;

export type ServiceRole = 'api' | 'worker';

/** What a secret variable must hold. */
export type SecretKind =
  /** `keyId:secret:scope+scope[@tenant],...` */
  | 'api-keys'
  /** A shared secret we choose: at least MIN_SECRET_BYTES. */
  | 'secret'
  /** A value the vendor issues: any length, but never the emulator's. */
  | 'vendor-credential'
  /** The selfie/encryption key: ENCRYPTION_KEYS or SELFIE_ENCRYPTION_KEY, each key exactly 32 bytes. */
  | 'encryption-key'
  /** The vendor's base URL: https unless in development. */
  | 'https-url';

export interface SecretRule {
  /** The variable checked (for the encryption key: the one named in messages; ENCRYPTION_KEYS also counts). */
  variable: string;
  kind: SecretKind;
  roles: readonly ServiceRole[];
  /** What fills the variable in development (undefined: the api falls back to DEV_API_KEY itself). */
  devValue: string | undefined;
}

/** Every secret the services need, who needs it, and its development stand-in. */
export const SECRET_RULES: readonly SecretRule[] = [
  { variable: 'API_KEYS', kind: 'api-keys', roles: ['api'], devValue: undefined },
  {
    variable: 'VERIFIED_WEBHOOK_SECRET',
    kind: 'secret',
    roles: ['api', 'worker'],
    devValue: DEV_WEBHOOK_SECRET,
  },
  {
    variable: 'SELFIE_ENCRYPTION_KEY',
    kind: 'encryption-key',
    roles: ['api', 'worker'],
    devValue: DEV_SELFIE_ENCRYPTION_KEY,
  },
  {
    variable: 'VERIFIED_API_KEY_ID',
    kind: 'vendor-credential',
    roles: ['worker'],
    devValue: DEV_VENDOR_KEY.keyId,
  },
  {
    variable: 'VERIFIED_API_KEY_VALUE',
    kind: 'vendor-credential',
    roles: ['worker'],
    devValue: DEV_VENDOR_KEY.keyValue,
  },
  { variable: 'VERIFIED_BASE_URL', kind: 'https-url', roles: ['worker'], devValue: DEV_VERIFIED_BASE_URL },
];

/** Listen-host variables that default to DEV_LISTEN_HOST in development (an explicit value still wins). */
export const DEV_LISTEN_HOST_VARIABLES: Record<ServiceRole, string> = {
  api: 'API_HOST',
  worker: 'WORKER_METRICS_HOST',
};
