import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const DEV = { ALLOW_DEV_DEFAULTS: '1' };

describe('worker configuration', () => {
  it('has local defaults for everything under ALLOW_DEV_DEFAULTS, metrics on 127.0.0.1', () => {
    const config = loadConfig(DEV);
    expect(config.metrics.host).toBe('127.0.0.1');
    expect(loadConfig({ ...DEV, WORKER_METRICS_HOST: '0.0.0.0' }).metrics.host).toBe('0.0.0.0');
    expect(config.devDefaultsInUse).toEqual([
      'VERIFIED_WEBHOOK_SECRET',
      'SELFIE_ENCRYPTION_KEY',
      'VERIFIED_API_KEY_ID',
      'VERIFIED_API_KEY_VALUE',
      'VERIFIED_BASE_URL',
    ]);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.queuePrefix).toBe('{vo}');
    expect(config.keyPrefix).toBe('vo');
    expect(config.metrics.port).toBe(3001);
    expect(config.verified.rateLimitPerSec).toBe(50);
    expect(config.jobAttempts).toBe(8);
    expect(config.poll).toMatchObject({
      initialIntervalMs: 5_000,
      fastPhaseMs: 120_000,
      maxIntervalMs: 60_000,
    });
    expect(config.webhookPublicUrl).toBeUndefined();
    expect(config.eventsIncludeCaptureUrl).toBe(false);
    expect(config.verified.captureHost).toBe(config.verified.baseUrl);
  });

  it('parses lists, numbers and booleans', () => {
    const config = loadConfig({
      ...DEV,
      KAFKA_BROKERS: 'a:1, b:2',
      VERIFIED_RATE_LIMIT_PER_SEC: '12.5',
      EVENTS_INCLUDE_CAPTURE_URL: 'true',
      WEBHOOK_PUBLIC_URL: 'https://api.example.com/v1/webhooks/verified',
    });
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.verified.rateLimitPerSec).toBe(12.5);
    expect(config.eventsIncludeCaptureUrl).toBe(true);
    expect(config.webhookPublicUrl).toBe('https://api.example.com/v1/webhooks/verified');
  });

  it('rejects invalid values, naming the variable but not echoing secrets', () => {
    const attempt = () =>
      loadConfig({ ...DEV, VERIFIED_RATE_LIMIT_PER_SEC: '0', QUEUE_PREFIX: 'a:b', VERIFIED_TIMEOUT_MS: 'x' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const issues = (error as ConfigError).issues.join('\n');
      expect(issues).toContain('VERIFIED_RATE_LIMIT_PER_SEC');
      expect(issues).toContain('QUEUE_PREFIX');
      expect(issues).toContain('VERIFIED_TIMEOUT_MS');
    }
  });

  it('takes a Redis Cluster as REDIS_URL, and names REDIS_URL (never the password) for a malformed one', () => {
    const cluster = 'rediss+cluster://vo:pw@10.0.0.1:6379,10.0.0.2:6379';
    expect(loadConfig({ ...DEV, REDIS_URL: cluster }).redisUrl).toBe(cluster);
    let caught: unknown;
    try {
      loadConfig({ ...DEV, REDIS_URL: 'redis+cluster://vo:hunter2-pw@' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const issues = (caught as ConfigError).issues.join('\n');
    expect(issues).toMatch(/^REDIS_URL: the cluster URL names no node; expected .*redis\+cluster:\/\//m);
    expect(issues).not.toContain('hunter2-pw');
  });

  it('takes a Redis Cluster from REDIS_CLUSTER_NODES, and names that variable for a malformed list', () => {
    expect(loadConfig({ ...DEV, REDIS_CLUSTER_NODES: 'redis-0:7000, redis-1:7000' }).redisUrl).toBe(
      'redis+cluster://redis-0:7000,redis-1:7000',
    );
    expect(() => loadConfig({ ...DEV, REDIS_CLUSTER_NODES: 'redis-0:7000,redis-1:x' })).toThrow(
      /REDIS_CLUSTER_NODES: entry 2 is not host:port; expected host:port,host:port/,
    );
  });
  it('requires every secret and an https vendor URL without the switch, and then listens on every interface', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SELFIE_ENCRYPTION_KEY/);
    const config = loadConfig({
      SELFIE_ENCRYPTION_KEY: 'a'.repeat(64),
      VERIFIED_WEBHOOK_SECRET: 'w'.repeat(32),
      VERIFIED_API_KEY_ID: 'vendor-key-id',
      VERIFIED_API_KEY_VALUE: 'vendor-key-value',
      VERIFIED_BASE_URL: 'https://api.verified.example',
    });
    expect(config).toMatchObject({ devDefaultsAllowed: false, devDefaultsInUse: [] });
    expect(config.metrics.host).toBe('0.0.0.0');
  });

  it('feeds the keyring from ENCRYPTION_KEYS or SELFIE_ENCRYPTION_KEY; the dev key never joins real keys', () => {
    const keys = `k2:${'b'.repeat(64)},k1:${'c'.repeat(64)}`;
    const prod = loadConfig({ ...DEV, NODE_ENV: 'production', ENCRYPTION_KEYS: keys });
    expect(prod.keyring).toEqual({ encryptionKeys: keys, legacyKey: undefined });
    expect(
      loadConfig({ ...DEV, ENCRYPTION_KEYS: keys, SELFIE_ENCRYPTION_KEY: 'a'.repeat(64) }).keyring,
    ).toEqual({ encryptionKeys: keys, legacyKey: 'a'.repeat(64) });
    expect(loadConfig({ ...DEV, SELFIE_ENCRYPTION_KEY: 'a'.repeat(64) }).keyring).toEqual({
      legacyKey: 'a'.repeat(64),
    });
    expect(() => loadConfig({ ...DEV, ENCRYPTION_KEYS: 'k1:short' })).toThrow(/ENCRYPTION_KEYS/);
    expect(() => loadConfig({ ...DEV, ENCRYPTION_KEYS: 'a'.repeat(64) })).toThrow(/ENCRYPTION_KEYS/);
  });

  it('reads Kafka TLS and SASL from KAFKA_SECURITY_PROTOCOL and KAFKA_SASL_*, refusing an incomplete set', () => {
    expect(loadConfig(DEV).kafka.security).toEqual({ protocol: 'PLAINTEXT' });
    const env = {
      ...DEV,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'worker',
      KAFKA_SASL_PASSWORD: 'pw',
    };
    expect(loadConfig(env).kafka.security).toEqual({
      protocol: 'SASL_SSL',
      sasl: { mechanism: 'plain', username: 'worker', password: 'pw' },
    });
    expect(() => loadConfig({ ...DEV, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toThrow(/KAFKA_SASL_USERNAME/);
    expect(loadConfig({ ...DEV, REDIS_TLS_CA_FILE: '/etc/redis/ca.pem' }).redisTlsCaFile).toBe(
      '/etc/redis/ca.pem',
    );
  });

  it('runs both roles by default; WORKER_ROLES picks one, and an unknown role is refused', () => {
    expect(loadConfig(DEV).roles).toEqual(['steps', 'projector']);
    expect(loadConfig({ ...DEV, WORKER_ROLES: ' projector ' }).roles).toEqual(['projector']);
    expect(() => loadConfig({ ...DEV, WORKER_ROLES: 'steps,reports' })).toThrow(/WORKER_ROLES/);
    expect(() => loadConfig({ ...DEV, WORKER_ROLES: '' })).toThrow(/WORKER_ROLES/);
  });
});
