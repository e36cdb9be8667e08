import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import {
  ApiKeyConfigError,
  ApiKeyStore,
  DEFAULT_TENANT,
  MIN_SECRET_BYTES,
  SCOPES,
} from '../src/auth/api-keys.js';
import { ConfigError, LOCAL_DEV_API_KEY, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      kafkaBrokers: ['127.0.0.1:9092'],
      topicPrefix: '',
      keyPrefix: 'vo',
      port: 3000,
      apiKeys: undefined,
      webhookSecret: 'emulator-webhook-secret',
      logLevel: 'info',
      jsonBodyLimitBytes: 10 * 1024 * 1024,
      batchMaxLines: 1_000_000,
      selfieEncryptionKeyIsDevDefault: true,
    });
  });

  it('splits KAFKA_BROKERS and parses WEBHOOK_BASIC_AUTH', () => {
    const config = loadConfig({ KAFKA_BROKERS: 'a:1, b:2', WEBHOOK_BASIC_AUTH: 'verified:pa:ss' });
    expect(config.kafkaBrokers).toEqual(['a:1', 'b:2']);
    expect(config.webhookBasicAuth).toEqual({ user: 'verified', password: 'pa:ss' });
  });

  it('refuses production without API_KEYS or SELFIE_ENCRYPTION_KEY', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (error) {
      expect((error as ConfigError).issues.map((issue) => issue.path).sort()).toEqual([
        'API_KEYS',
        'SELFIE_ENCRYPTION_KEY',
      ]);
    }
    const key = 'ab'.repeat(32);
    expect(
      loadConfig({ NODE_ENV: 'production', API_KEYS: `k:${'x'.repeat(32)}:ops`, SELFIE_ENCRYPTION_KEY: key })
        .production,
    ).toBe(true);
  });

  it('takes ENCRYPTION_KEYS (id:key,...) instead of SELFIE_ENCRYPTION_KEY, which then joins it as `default`', () => {
    const keys = `k2:${'b'.repeat(64)},k1:${'c'.repeat(64)}`;
    const prod = loadConfig({
      NODE_ENV: 'production',
      API_KEYS: `k:${'x'.repeat(32)}:ops`,
      ENCRYPTION_KEYS: keys,
    });
    expect(prod.keyring).toEqual({ encryptionKeys: keys, legacyKey: undefined });
    expect(prod.selfieEncryptionKeyIsDevDefault).toBe(false);
    const both = loadConfig({ ENCRYPTION_KEYS: keys, SELFIE_ENCRYPTION_KEY: 'a'.repeat(64) });
    expect(both.keyring).toEqual({ encryptionKeys: keys, legacyKey: 'a'.repeat(64) });
    expect(() => loadConfig({ ENCRYPTION_KEYS: 'k1:short' })).toThrow(/ENCRYPTION_KEYS/);
  });

  it('reads Kafka TLS and SASL from the KAFKA_* security variables, refusing an incomplete set', () => {
    expect(loadConfig({}).kafkaSecurity).toEqual({ protocol: 'PLAINTEXT' });
    expect(
      loadConfig({
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'api',
        KAFKA_SASL_PASSWORD: 'pw',
      }).kafkaSecurity,
    ).toEqual({
      protocol: 'SASL_SSL',
      sasl: { mechanism: 'scram-sha-512', username: 'api', password: 'pw' },
    });
    expect(() => loadConfig({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toThrow(/KAFKA_SASL_PASSWORD/);
  });

  it('rejects a selfie key that is not 32 bytes and malformed numbers', () => {
    expect(() => loadConfig({ SELFIE_ENCRYPTION_KEY: 'short' })).toThrow(/SELFIE_ENCRYPTION_KEY/);
    expect(() => loadConfig({ API_PORT: 'eighty' })).toThrow(/API_PORT/);
    expect(() => loadConfig({ KAFKA_BROKERS: 'no-port' })).toThrow(/KAFKA_BROKERS/);
  });
});

describe('ApiKeyStore', () => {
  const store = ApiKeyStore.fromConfig(
    'ops1:s3cret:with:colons-0123456789abcdef0123:ops,rw:rw-secret-1-0123456789abcdef0123456789:enrollments:write+enrollments:read@acme',
    false,
  );

  it('parses scopes that contain colons and secrets that contain colons', () => {
    expect(store.size).toBe(2);
    const ops = store.authenticate('ops1:s3cret:with:colons-0123456789abcdef0123');
    assert.ok(ops);
    expect(ops.keyId).toBe('ops1');
    expect([...ops.scopes]).toEqual(['ops']);
    expect(ops.tenant).toBe(DEFAULT_TENANT);
    const rw = store.authenticate('rw:rw-secret-1-0123456789abcdef0123456789');
    assert.ok(rw);
    expect([...rw.scopes]).toEqual(['enrollments:write', 'enrollments:read']);
    expect(rw.tenant).toBe('acme');
  });

  it('rejects wrong secrets, unknown ids and malformed credentials', () => {
    expect(store.authenticate('rw:rw-secret-1-0123456789abcdef012345678x')).toBeNull();
    expect(store.authenticate('nobody:rw-secret-1-0123456789abcdef0123456789')).toBeNull();
    expect(store.authenticate('rw')).toBeNull();
    expect(store.authenticate(':rw-secret-1-0123456789abcdef0123456789')).toBeNull();
  });

  it('refuses unknown scopes, short secrets, and missing keys in production', () => {
    const strong = 'y'.repeat(MIN_SECRET_BYTES);
    expect(() => ApiKeyStore.fromConfig(`k:${strong}:admin`, false)).toThrow(ApiKeyConfigError);
    expect(() => ApiKeyStore.fromConfig(`k:${'y'.repeat(MIN_SECRET_BYTES - 1)}:ops`, false)).toThrow(
      /shorter than 32 bytes/,
    );
    expect(() => ApiKeyStore.fromConfig(`k:${strong}:ops@Not A Tenant`, false)).toThrow(/tenant/);
    expect(() => ApiKeyStore.fromConfig(`k:${strong}:ops,k:${strong}:ops`, false)).toThrow(/twice/);
    expect(() => ApiKeyStore.fromConfig(undefined, true)).toThrow(ApiKeyConfigError);
  });

  it('falls back to the documented local key outside production', () => {
    const local = ApiKeyStore.fromConfig(undefined, false);
    expect(local.isLocalDevKey).toBe(true);
    const principal = local.authenticate(`${LOCAL_DEV_API_KEY.keyId}:${LOCAL_DEV_API_KEY.secret}`);
    assert.ok(principal);
    expect([...principal.scopes].sort()).toEqual([...SCOPES].sort());
    expect(principal.tenant).toBe(DEFAULT_TENANT);
  });
});
