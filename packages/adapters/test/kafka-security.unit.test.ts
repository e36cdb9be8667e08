import { describe, expect, it } from 'vitest';
import { parseKafkaSecurity } from '../src/index.js';

describe('parseKafkaSecurity', () => {
  it('defaults to PLAINTEXT and reads SASL_SSL with its CA file, mechanism and credentials', () => {
    expect(parseKafkaSecurity({})).toEqual({ security: { protocol: 'PLAINTEXT' }, issues: [] });
    expect(
      parseKafkaSecurity({
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'api',
        KAFKA_SASL_PASSWORD: 'pw',
      }),
    ).toEqual({
      security: {
        protocol: 'SASL_SSL',
        caFile: '/etc/kafka/ca.pem',
        sasl: { mechanism: 'scram-sha-512', username: 'api', password: 'pw' },
      },
      issues: [],
    });
    expect(parseKafkaSecurity({ KAFKA_SECURITY_PROTOCOL: 'SSL' }).security).toEqual({ protocol: 'SSL' });
  });

  it('names every missing or contradictory variable, never a value', () => {
    const paths = (env: Record<string, string>) => parseKafkaSecurity(env).issues.map((i) => i.path);
    expect(paths({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toEqual([
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
    ]);
    expect(paths({ KAFKA_SECURITY_PROTOCOL: 'TLS' })).toEqual(['KAFKA_SECURITY_PROTOCOL']);
    expect(paths({ KAFKA_SASL_PASSWORD: 'hunter2' })).toEqual(['KAFKA_SECURITY_PROTOCOL']);
    expect(paths({ KAFKA_SSL_CA_FILE: '/ca.pem' })).toEqual(['KAFKA_SSL_CA_FILE']);
    expect(
      paths({
        KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
        KAFKA_SASL_MECHANISM: 'gssapi',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      }),
    ).toEqual(['KAFKA_SASL_MECHANISM']);
    const text = JSON.stringify(parseKafkaSecurity({ KAFKA_SASL_PASSWORD: 'hunter2' }).issues);
    expect(text).not.toContain('hunter2');
  });
});
