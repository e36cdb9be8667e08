import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import {
  ApiKeyConfigError,
  ApiKeyStore,
  DEFAULT_TENANT,
  MIN_SECRET_BYTES,
  SCOPES,
} from '../src/auth/api-keys.js';
import { DEV_API_KEY } from '@verified-onboard/events';
import { ConfigError, loadConfig } from '../src/config.js';

const DEV = { ALLOW_DEV_DEFAULTS: '1' };
const SELFIE_KEY = 'ab'.repeat(32);
const WEBHOOK_SECRET = 'w'.repeat(32);

describe('loadConfig', () => {
  it('applies the documented defaults, with development stand-ins and 127.0.0.1 under ALLOW_DEV_DEFAULTS', () => {
    const config = loadConfig(DEV);
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      kafkaBrokers: ['127.0.0.1:9092'],
      topicPrefix: '',
      keyPrefix: 'vo',
      queuePrefix: '{vo}',
      port: 3000,
      apiKeys: undefined,
      webhookSecret: 'emulator-webhook-secret',
      logLevel: 'info',
      jsonBodyLimitBytes: 10 * 1024 * 1024,
      batchMaxLines: 1_000_000,
      host: '127.0.0.1',
      shutdownGraceMs: 60_000,
      devDefaultsAllowed: true,
      devDefaultsInUse: ['API_KEYS', 'VERIFIED_WEBHOOK_SECRET', 'SELFIE_ENCRYPTION_KEY'],
    });
    expect(loadConfig({ ...DEV, API_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('splits KAFKA_BROKERS and parses WEBHOOK_BASIC_AUTH', () => {
    const config = loadConfig({ ...DEV, KAFKA_BROKERS: 'a:1, b:2', WEBHOOK_BASIC_AUTH: 'verified:pa:ss' });
    expect(config.kafkaBrokers).toEqual(['a:1', 'b:2']);
    expect(config.webhookBasicAuth).toEqual({ user: 'verified', password: 'pa:ss' });
  });

  it('refuses to start without the switch unless every secret is set; then it listens on every interface', () => {
    const attempt = () => loadConfig({ NODE_ENV: 'production' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).issues.map((issue) => issue.path).sort()).toEqual([
        'API_KEYS',
        'SELFIE_ENCRYPTION_KEY',
        'VERIFIED_WEBHOOK_SECRET',
      ]);
    }
    const config = loadConfig({
      API_KEYS: `k:${'x'.repeat(32)}:ops`,
      SELFIE_ENCRYPTION_KEY: SELFIE_KEY,
      VERIFIED_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    expect(config).toMatchObject({ devDefaultsAllowed: false, devDefaultsInUse: [], host: '0.0.0.0' });
  });

  it('takes ENCRYPTION_KEYS (id:key,...) instead of SELFIE_ENCRYPTION_KEY, which then joins it as `default`', () => {
    const keys = `k2:${'b'.repeat(64)},k1:${'c'.repeat(64)}`;
    const prod = loadConfig({
      NODE_ENV: 'production',
      API_KEYS: `k:${'x'.repeat(32)}:ops`,
      VERIFIED_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ENCRYPTION_KEYS: keys,
    });
    expect(prod.keyring).toEqual({ encryptionKeys: keys, legacyKey: undefined });
    // Under ALLOW_DEV_DEFAULTS the dev key fills in only when no key is configured: it never joins real keys.
    const dev = loadConfig({ ...DEV, ENCRYPTION_KEYS: keys });
    expect(dev.keyring).toEqual({ encryptionKeys: keys, legacyKey: undefined });
    expect(dev.devDefaultsInUse).not.toContain('SELFIE_ENCRYPTION_KEY');
    const both = loadConfig({ ...DEV, ENCRYPTION_KEYS: keys, SELFIE_ENCRYPTION_KEY: 'a'.repeat(64) });
    expect(both.keyring).toEqual({ encryptionKeys: keys, legacyKey: 'a'.repeat(64) });
    expect(() => loadConfig({ ...DEV, ENCRYPTION_KEYS: 'k1:short' })).toThrow(/ENCRYPTION_KEYS/);
  });

  it('reads Kafka TLS and SASL from the KAFKA_* security variables, refusing an incomplete set', () => {
    expect(loadConfig(DEV).kafkaSecurity).toEqual({ protocol: 'PLAINTEXT' });
    expect(
      loadConfig({
        ...DEV,
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'api',
        KAFKA_SASL_PASSWORD: 'pw',
      }).kafkaSecurity,
    ).toEqual({
      protocol: 'SASL_SSL',
      sasl: { mechanism: 'scram-sha-512', username: 'api', password: 'pw' },
    });
    expect(() => loadConfig({ ...DEV, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toThrow(/KAFKA_SASL_PASSWORD/);
    expect(loadConfig({ ...DEV, REDIS_TLS_CA_FILE: '/etc/redis/ca.pem' }).redisTlsCaFile).toBe(
      '/etc/redis/ca.pem',
    );
  });

  it('takes a Redis Cluster as REDIS_URL, and names REDIS_URL (never the password) for a malformed one', () => {
    const cluster = 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001';
    expect(loadConfig({ ...DEV, REDIS_URL: cluster }).redisUrl).toBe(cluster);
    let caught: unknown;
    try {
      loadConfig({ ...DEV, REDIS_URL: 'redis+cluster://vo:hunter2-pw@127.0.0.1:7000,127.0.0.1' + ':port' });
    } catch (error) {
      caught = error;
    }
    assert(caught instanceof ConfigError);
    const issue = caught.issues.find((i) => i.path === 'REDIS_URL');
    expect(issue?.message).toMatch(
      /node 2 of the cluster URL is not host:port.*redis\+cluster:\/\/host:port,host:port/,
    );
    expect(caught.message).not.toContain('hunter2-pw');
  });

  it('takes a Redis Cluster from REDIS_CLUSTER_NODES, and names that variable for a malformed list', () => {
    const nodes = { ...DEV, REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' };
    expect(loadConfig(nodes).redisUrl).toBe('redis+cluster://127.0.0.1:7000,127.0.0.1:7001');
    let caught: unknown;
    try {
      loadConfig({ ...nodes, REDIS_URL: 'redis://127.0.0.1:6379' });
    } catch (error) {
      caught = error;
    }
    assert(caught instanceof ConfigError);
    expect(caught.issues).toEqual([
      {
        path: 'REDIS_CLUSTER_NODES',
        message: expect.stringMatching(/^and REDIS_URL are both set: set one/) as string,
      },
    ]);
  });

  it('rejects a selfie key that is not 32 bytes and malformed numbers', () => {
    expect(() => loadConfig({ ...DEV, SELFIE_ENCRYPTION_KEY: 'short' })).toThrow(/SELFIE_ENCRYPTION_KEY/);
    expect(() => loadConfig({ ...DEV, API_PORT: 'eighty' })).toThrow(/API_PORT/);
    expect(() => loadConfig({ ...DEV, KAFKA_BROKERS: 'no-port' })).toThrow(/KAFKA_BROKERS/);
    expect(() => loadConfig({ ...DEV, API_KEYS: 'k:short-secret:ops' })).toThrow(/API_KEYS/);
  });
});

describe('ApiKeyStore', () => {
  const store = ApiKeyStore.fromConfig(
    'ops1:s3cret:with:colons-0123456789abcdef0123:ops,rw:rw-secret-1-0123456789abcdef0123456789:enrollments:write+enrollments:read@acme',
    true,
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

  it('refuses unknown scopes, short secrets, and missing keys without dev defaults', () => {
    const strong = 'y'.repeat(MIN_SECRET_BYTES);
    expect(() => ApiKeyStore.fromConfig(`k:${strong}:admin`, false)).toThrow(ApiKeyConfigError);
    expect(() => ApiKeyStore.fromConfig(`k:${'y'.repeat(MIN_SECRET_BYTES - 1)}:ops`, false)).toThrow(
      /shorter than 32 bytes/,
    );
    expect(() => ApiKeyStore.fromConfig(`k:${strong}:ops@Not A Tenant`, false)).toThrow(/tenant/);
    expect(() => ApiKeyStore.fromConfig(`k:${strong}:ops,k:${strong}:ops`, false)).toThrow(/twice/);
    expect(() => ApiKeyStore.fromConfig(undefined, false)).toThrow(ApiKeyConfigError);
  });

  it('falls back to the documented local key only when dev defaults are allowed', () => {
    const local = ApiKeyStore.fromConfig(undefined, true);
    expect(local.isLocalDevKey).toBe(true);
    const principal = local.authenticate(`${DEV_API_KEY.keyId}:${DEV_API_KEY.secret}`);
    assert.ok(principal);
    expect([...principal.scopes].sort()).toEqual([...SCOPES].sort());
    expect(principal.tenant).toBe(DEFAULT_TENANT);
  });
});
