import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('worker configuration', () => {
  it('has local defaults for everything', () => {
    const config = loadConfig({});
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.queuePrefix).toBe('vo');
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
      loadConfig({ VERIFIED_RATE_LIMIT_PER_SEC: '0', QUEUE_PREFIX: 'a:b', VERIFIED_API_KEY_VALUE: '' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const issues = (error as ConfigError).issues.join('\n');
      expect(issues).toContain('VERIFIED_RATE_LIMIT_PER_SEC');
      expect(issues).toContain('QUEUE_PREFIX');
      expect(issues).toContain('VERIFIED_API_KEY_VALUE');
    }
  });

  it('requires a real selfie key in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SELFIE_ENCRYPTION_KEY/);
    expect(loadConfig({ NODE_ENV: 'production', SELFIE_ENCRYPTION_KEY: 'a'.repeat(64) }).nodeEnv).toBe(
      'production',
    );
  });

  it('feeds the keyring from ENCRYPTION_KEYS or SELFIE_ENCRYPTION_KEY; the dev key never joins real keys', () => {
    const keys = `k2:${'b'.repeat(64)},k1:${'c'.repeat(64)}`;
    const prod = loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEYS: keys });
    expect(prod.keyring).toEqual({ encryptionKeys: keys, legacyKey: undefined });
    expect(
      loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEYS: keys, SELFIE_ENCRYPTION_KEY: 'a'.repeat(64) })
        .keyring,
    ).toEqual({ encryptionKeys: keys, legacyKey: 'a'.repeat(64) });
    expect(loadConfig({ SELFIE_ENCRYPTION_KEY: 'a'.repeat(64) }).keyring).toEqual({
      legacyKey: 'a'.repeat(64),
    });
    expect(() => loadConfig({ ENCRYPTION_KEYS: 'k1:short' })).toThrow(/ENCRYPTION_KEYS/);
    expect(() => loadConfig({ ENCRYPTION_KEYS: 'a'.repeat(64) })).toThrow(/ENCRYPTION_KEYS/);
  });

  it('reads Kafka TLS and SASL from KAFKA_SECURITY_PROTOCOL and KAFKA_SASL_*, refusing an incomplete set', () => {
    expect(loadConfig({}).kafka.security).toEqual({ protocol: 'PLAINTEXT' });
    const env = {
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'worker',
      KAFKA_SASL_PASSWORD: 'pw',
    };
    expect(loadConfig(env).kafka.security).toEqual({
      protocol: 'SASL_SSL',
      sasl: { mechanism: 'plain', username: 'worker', password: 'pw' },
    });
    expect(() => loadConfig({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toThrow(/KAFKA_SASL_USERNAME/);
  });

  it('runs both roles by default; WORKER_ROLES picks one, and an unknown role is refused', () => {
    expect(loadConfig({}).roles).toEqual(['steps', 'projector']);
    expect(loadConfig({ WORKER_ROLES: ' projector ' }).roles).toEqual(['projector']);
    expect(() => loadConfig({ WORKER_ROLES: 'steps,reports' })).toThrow(/WORKER_ROLES/);
    expect(() => loadConfig({ WORKER_ROLES: '' })).toThrow(/WORKER_ROLES/);
  });
});
