import { readFileSync } from 'node:fs';
import type { SASLOptions } from 'kafkajs';
import { z } from 'zod';

/**
 * How the Kafka clients reach the brokers: TLS (`SSL`), SASL (`SASL_PLAINTEXT`) or both (`SASL_SSL`, the one to
 * use outside a laptop). Parsed from KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_CA_FILE, KAFKA_SASL_MECHANISM,
 * KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD by every process that talks to Kafka (api, worker, projector).
 */
export interface KafkaSecurity {
  protocol: KafkaSecurityProtocol;
  /** PEM file of the CA that signed the brokers' certificates; unset: the system's trusted CAs. */
  caFile?: string;
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
}

export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];
export type KafkaSaslMechanism = 'scram-sha-512' | 'plain';

const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const kafkaSecurityEnvSchema = z
  .object({
    KAFKA_SECURITY_PROTOCOL: z.preprocess(blank, z.enum(KAFKA_SECURITY_PROTOCOLS).default('PLAINTEXT')),
    KAFKA_SSL_CA_FILE: z.preprocess(blank, z.string().optional()),
    KAFKA_SASL_MECHANISM: z.preprocess(
      (value) => (typeof value === 'string' ? blank(value.toLowerCase()) : value),
      z.enum(['scram-sha-512', 'plain']).optional(),
    ),
    KAFKA_SASL_USERNAME: z.preprocess(blank, z.string().optional()),
    KAFKA_SASL_PASSWORD: z.preprocess(blank, z.string().optional()),
  })
  .superRefine((env, ctx) => {
    const sasl = env.KAFKA_SECURITY_PROTOCOL.startsWith('SASL_');
    if (sasl) {
      for (const name of ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const)
        if (env[name] === undefined)
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `required with ${env.KAFKA_SECURITY_PROTOCOL}`,
          });
    } else if (env.KAFKA_SASL_MECHANISM || env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SECURITY_PROTOCOL'],
        message: 'KAFKA_SASL_* is set but the protocol is not SASL_PLAINTEXT or SASL_SSL',
      });
    }
    if (env.KAFKA_SSL_CA_FILE && !env.KAFKA_SECURITY_PROTOCOL.endsWith('SSL'))
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SSL_CA_FILE'],
        message: 'set, but the protocol is not SSL or SASL_SSL',
      });
  });

/** One problem with the Kafka security variables: the variable's name and why, never its value. */
export interface KafkaSecurityIssue {
  path: string;
  message: string;
}

/** Parses the KAFKA_* security variables; `issues` is empty when they are consistent. */
export function parseKafkaSecurity(env: Record<string, string | undefined>): {
  security: KafkaSecurity;
  issues: KafkaSecurityIssue[];
} {
  const parsed = kafkaSecurityEnvSchema.safeParse(env);
  if (!parsed.success) {
    return {
      security: { protocol: 'PLAINTEXT' },
      issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    };
  }
  const e = parsed.data;
  const security: KafkaSecurity = { protocol: e.KAFKA_SECURITY_PROTOCOL };
  if (e.KAFKA_SSL_CA_FILE) security.caFile = e.KAFKA_SSL_CA_FILE;
  if (e.KAFKA_SASL_MECHANISM && e.KAFKA_SASL_USERNAME && e.KAFKA_SASL_PASSWORD)
    security.sasl = {
      mechanism: e.KAFKA_SASL_MECHANISM,
      username: e.KAFKA_SASL_USERNAME,
      password: e.KAFKA_SASL_PASSWORD,
    };
  return { security, issues: [] };
}

/** kafkajs' `ssl` and `sasl` options for a security setting (reads the CA file). */
export function kafkaClientSecurity(security: KafkaSecurity | undefined): {
  ssl?: boolean | { ca: string[] };
  sasl?: SASLOptions;
} {
  if (!security || security.protocol === 'PLAINTEXT') return {};
  const tls = security.protocol === 'SSL' || security.protocol === 'SASL_SSL';
  return {
    ...(tls ? { ssl: security.caFile ? { ca: [readFileSync(security.caFile, 'utf8')] } : true } : {}),
    ...(security.sasl ? { sasl: saslOptions(security.sasl) } : {}),
  };
}

function saslOptions(sasl: NonNullable<KafkaSecurity['sasl']>): SASLOptions {
  const { username, password } = sasl;
  return sasl.mechanism === 'plain'
    ? { mechanism: 'plain', username, password }
    : { mechanism: 'scram-sha-512', username, password };
}
