import { describe, expect, it } from 'vitest';
import {
  DEV_API_KEY,
  DEV_SELFIE_ENCRYPTION_KEY,
  DEV_VENDOR_KEY,
  DEV_WEBHOOK_SECRET,
  MIN_SECRET_BYTES,
  resolveSecrets,
  secretProblems,
  type SecretEnv,
  type SecretProblem,
} from '../src/index.js';

const strong = (char: string) => char.repeat(MIN_SECRET_BYTES);
const SELFIE_KEY = 'ab'.repeat(32);
const API_ENV: SecretEnv = {
  API_KEYS: `ops:${strong('o')}:ops,rw:${strong('r')}:enrollments:write+enrollments:read@acme`,
  VERIFIED_WEBHOOK_SECRET: strong('w'),
  SELFIE_ENCRYPTION_KEY: SELFIE_KEY,
};
const WORKER_ENV: SecretEnv = {
  VERIFIED_WEBHOOK_SECRET: strong('w'),
  SELFIE_ENCRYPTION_KEY: SELFIE_KEY,
  VERIFIED_API_KEY_ID: 'vendor-id',
  VERIFIED_API_KEY_VALUE: 'vendor-value',
  VERIFIED_BASE_URL: 'https://api.verified.example',
};
const summary = (problems: SecretProblem[]) => problems.map((p) => `${p.variable}:${p.reason}`).sort();

describe('secretProblems', () => {
  it('accepts a complete production environment for each role', () => {
    expect(secretProblems(API_ENV, 'api')).toEqual([]);
    expect(secretProblems(WORKER_ENV, 'worker')).toEqual([]);
  });

  it('names every missing secret of the role, an empty value counting as missing', () => {
    expect(summary(secretProblems({ VERIFIED_WEBHOOK_SECRET: ' ' }, 'api'))).toEqual([
      'API_KEYS:missing',
      'SELFIE_ENCRYPTION_KEY:missing',
      'VERIFIED_WEBHOOK_SECRET:missing',
    ]);
    expect(summary(secretProblems({}, 'worker'))).toEqual([
      'SELFIE_ENCRYPTION_KEY:missing',
      'VERIFIED_API_KEY_ID:missing',
      'VERIFIED_API_KEY_VALUE:missing',
      'VERIFIED_BASE_URL:missing',
      'VERIFIED_WEBHOOK_SECRET:missing',
    ]);
  });

  it('refuses every published development default', () => {
    const api = secretProblems(
      {
        API_KEYS: `${DEV_API_KEY.keyId}:${DEV_API_KEY.secret}:ops`,
        VERIFIED_WEBHOOK_SECRET: DEV_WEBHOOK_SECRET,
        SELFIE_ENCRYPTION_KEY: DEV_SELFIE_ENCRYPTION_KEY,
      },
      'api',
    );
    expect(summary(api)).toEqual([
      'API_KEYS:dev-default',
      'SELFIE_ENCRYPTION_KEY:dev-default',
      'VERIFIED_WEBHOOK_SECRET:dev-default',
    ]);
    const worker = secretProblems(
      {
        ...WORKER_ENV,
        VERIFIED_API_KEY_ID: DEV_VENDOR_KEY.keyId,
        VERIFIED_API_KEY_VALUE: DEV_VENDOR_KEY.keyValue,
      },
      'worker',
    );
    expect(summary(worker)).toEqual([
      'VERIFIED_API_KEY_ID:dev-default',
      'VERIFIED_API_KEY_VALUE:dev-default',
    ]);
  });

  it(`refuses secrets shorter than ${MIN_SECRET_BYTES} bytes and accepts exactly ${MIN_SECRET_BYTES}`, () => {
    const short = 'x'.repeat(MIN_SECRET_BYTES - 1);
    expect(
      summary(
        secretProblems(
          {
            ...API_ENV,
            API_KEYS: `k:${short}:enrollments:read`,
            VERIFIED_WEBHOOK_SECRET: short,
            WEBHOOK_BASIC_AUTH: `verified:${short}`,
          },
          'api',
        ),
      ),
    ).toEqual(['API_KEYS:too-short', 'VERIFIED_WEBHOOK_SECRET:too-short', 'WEBHOOK_BASIC_AUTH:too-short']);
    expect(secretProblems({ ...API_ENV, WEBHOOK_BASIC_AUTH: `verified:${strong('p')}` }, 'api')).toEqual([]);
    // A secret holding ':' is measured whole, not cut at the colon.
    expect(secretProblems({ ...API_ENV, API_KEYS: `k:${'a:'.repeat(16)}:ops@acme` }, 'api')).toEqual([]);
  });

  it('takes the encryption key from ENCRYPTION_KEYS or SELFIE_ENCRYPTION_KEY, each exactly 32 bytes', () => {
    const { SELFIE_ENCRYPTION_KEY: _unused, ...withoutSelfieKey } = API_ENV;
    const base64Key = Buffer.alloc(32, 7).toString('base64');
    expect(
      secretProblems({ ...withoutSelfieKey, ENCRYPTION_KEYS: `k1:${SELFIE_KEY},k2:${base64Key}` }, 'api'),
    ).toEqual([]);
    expect(
      summary(
        secretProblems(
          {
            ...withoutSelfieKey,
            ENCRYPTION_KEYS: `k1:${Buffer.alloc(31).toString('base64')},k2:${SELFIE_KEY}`,
          },
          'api',
        ),
      ),
    ).toEqual(['ENCRYPTION_KEYS:invalid']);
    expect(
      summary(
        secretProblems(
          { ...withoutSelfieKey, ENCRYPTION_KEYS: `k1:${SELFIE_KEY},k0:${DEV_SELFIE_ENCRYPTION_KEY}` },
          'api',
        ),
      ),
    ).toEqual(['ENCRYPTION_KEYS:dev-default']);
    expect(summary(secretProblems({ ...API_ENV, SELFIE_ENCRYPTION_KEY: 'ab'.repeat(31) }, 'api'))).toEqual([
      'SELFIE_ENCRYPTION_KEY:invalid',
    ]);
  });

  it('refuses a plain-http vendor URL', () => {
    expect(
      summary(secretProblems({ ...WORKER_ENV, VERIFIED_BASE_URL: 'http://api.verified.example' }, 'worker')),
    ).toEqual(['VERIFIED_BASE_URL:insecure-url']);
  });

  it('never puts a value in a message', () => {
    const secret = 'a-secret-value-that-must-not-be-echoed';
    const problems = secretProblems(
      {
        API_KEYS: `k:${secret.slice(0, 20)}:ops`,
        VERIFIED_WEBHOOK_SECRET: secret.slice(0, 20),
        SELFIE_ENCRYPTION_KEY: secret,
      },
      'api',
    );
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p.message.startsWith(p.variable)).toBe(true);
      expect(p.message).not.toContain(secret.slice(0, 20));
    }
  });
});

describe('resolveSecrets', () => {
  it('without the switch: the environment unchanged, or the problems', () => {
    expect(resolveSecrets({}, 'api')).toMatchObject({ ok: false });
    expect(resolveSecrets(API_ENV, 'api')).toEqual({
      ok: true,
      env: API_ENV,
      devDefaultsAllowed: false,
      devDefaultsInUse: [],
    });
  });

  it('with ALLOW_DEV_DEFAULTS=1: stand-ins for missing secrets and a loopback listen host; explicit values win', () => {
    const api = resolveSecrets({ ALLOW_DEV_DEFAULTS: '1', VERIFIED_WEBHOOK_SECRET: strong('w') }, 'api');
    expect(api).toMatchObject({
      ok: true,
      devDefaultsAllowed: true,
      devDefaultsInUse: ['API_KEYS', 'SELFIE_ENCRYPTION_KEY'],
      env: {
        API_HOST: '127.0.0.1',
        VERIFIED_WEBHOOK_SECRET: strong('w'),
        SELFIE_ENCRYPTION_KEY: DEV_SELFIE_ENCRYPTION_KEY,
      },
    });
    const worker = resolveSecrets({ ALLOW_DEV_DEFAULTS: '1', WORKER_METRICS_HOST: '0.0.0.0' }, 'worker');
    expect(worker).toMatchObject({
      ok: true,
      env: {
        WORKER_METRICS_HOST: '0.0.0.0',
        VERIFIED_API_KEY_ID: DEV_VENDOR_KEY.keyId,
        VERIFIED_BASE_URL: 'http://127.0.0.1:4010',
      },
    });
    // The keyring alone is a configured encryption key: no stand-in.
    const withRing = resolveSecrets(
      { ALLOW_DEV_DEFAULTS: '1', ENCRYPTION_KEYS: `k1:${SELFIE_KEY}` },
      'worker',
    );
    expect(withRing.ok && withRing.devDefaultsInUse).not.toContain('SELFIE_ENCRYPTION_KEY');
  });

  it('only 1, true or yes switch development on', () => {
    expect(resolveSecrets({ ALLOW_DEV_DEFAULTS: '0' }, 'api').ok).toBe(false);
    expect(resolveSecrets({ ALLOW_DEV_DEFAULTS: 'true' }, 'api').ok).toBe(true);
  });
});
