import { parseEncryptionKey, parseKeyList } from '../crypto/keyring.js';
import {
  DEV_API_KEY,
  DEV_DEFAULTS_SWITCH,
  DEV_LISTEN_HOST,
  DEV_LISTEN_HOST_VARIABLES,
  DEV_SELFIE_ENCRYPTION_KEY,
  MIN_SECRET_BYTES,
  SECRET_RULES,
  type SecretRule,
  type ServiceRole,
} from './dev-defaults.js';

export type SecretEnv = Readonly<Record<string, string | undefined>>;

export type SecretProblemReason = 'missing' | 'dev-default' | 'too-short' | 'invalid' | 'insecure-url';

/** One reason a process refuses to start. `message` names the variable and never contains its value. */
export interface SecretProblem {
  variable: string;
  reason: SecretProblemReason;
  /** What is wrong, without the variable's name. */
  detail: string;
  /** `${variable} ${detail}`: one line of the refusal. */
  message: string;
}

export type SecretResolution =
  | {
      ok: true;
      /** The environment to parse: the given one, plus development stand-ins when the switch is on. */
      env: Record<string, string | undefined>;
      devDefaultsAllowed: boolean;
      /** Variables that hold a development stand-in (named in the startup warning, never their values). */
      devDefaultsInUse: string[];
    }
  | { ok: false; problems: SecretProblem[] };

/** An empty variable means unset (compose files and shells often export VAR= ). */
const valueOf = (env: SecretEnv, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
};

export function devDefaultsAllowed(env: SecretEnv): boolean {
  return ['1', 'true', 'yes'].includes((env[DEV_DEFAULTS_SWITCH] ?? '').trim().toLowerCase());
}

const ENCRYPTION_KEYRING = 'ENCRYPTION_KEYS';
const devSelfieKeyBytes = parseEncryptionKey(DEV_SELFIE_ENCRYPTION_KEY);
const bytes = (value: string) => Buffer.byteLength(value, 'utf8');
// Scope names hold one ':' at most, so the secret is what lies between the key id and the trailing scope list.
const API_KEY_ENTRY = /^([^:]+):(.+?):([A-Za-z]+(?::[A-Za-z]+)?(?:\+[A-Za-z]+(?::[A-Za-z]+)?)*)(?:@[^@:]+)?$/;

function problem(variable: string, reason: SecretProblemReason): SecretProblem {
  const messages: Record<SecretProblemReason, string> = {
    missing: 'is not set',
    'dev-default': 'holds a published development default',
    'too-short': `holds a secret shorter than ${MIN_SECRET_BYTES} bytes`,
    invalid: 'is malformed',
    'insecure-url': `must be an https: URL (http: only with ${DEV_DEFAULTS_SWITCH}=1)`,
  };
  return withDetail(variable, reason, messages[reason]);
}

function withDetail(variable: string, reason: SecretProblemReason, detail: string): SecretProblem {
  return { variable, reason, detail, message: `${variable} ${detail}` };
}

function apiKeysProblems(value: string): SecretProblem[] {
  const found = new Set<SecretProblemReason>();
  for (const entry of value.split(',').map((raw) => raw.trim())) {
    if (!entry) continue;
    const match = API_KEY_ENTRY.exec(entry);
    if (!match) {
      found.add('invalid');
      continue;
    }
    const secret = match[2] ?? '';
    if (secret === DEV_API_KEY.secret || secret === 'local-dev-secret') found.add('dev-default');
    else if (bytes(secret) < MIN_SECRET_BYTES) found.add('too-short');
  }
  return [...found].map((reason) => problem('API_KEYS', reason));
}

function encryptionKeyProblems(variable: string, keys: string[]): SecretProblem[] {
  const found = new Set<SecretProblemReason>();
  for (const key of keys) {
    let decoded: Buffer;
    try {
      decoded = parseEncryptionKey(key);
    } catch {
      found.add('invalid');
      continue;
    }
    if (decoded.equals(devSelfieKeyBytes)) found.add('dev-default');
  }
  return [...found].map((reason) =>
    reason === 'invalid'
      ? withDetail(variable, reason, 'is malformed: each key must be 32 bytes (64 hex characters or base64)')
      : problem(variable, reason),
  );
}

/** ENCRYPTION_KEYS (`id:key,...`) or SELFIE_ENCRYPTION_KEY, whichever are set; at least one is required. */
function selfieKeyProblems(env: SecretEnv, rule: SecretRule): SecretProblem[] {
  const ring = valueOf(env, ENCRYPTION_KEYRING);
  const single = valueOf(env, rule.variable);
  if (ring === undefined && single === undefined) {
    return [withDetail(rule.variable, 'missing', `is not set (nor ${ENCRYPTION_KEYRING})`)];
  }
  const problems: SecretProblem[] = [];
  if (ring !== undefined) {
    let keys: Buffer[] = [];
    try {
      keys = parseKeyList(ring).map(([, key]) => key);
    } catch {
      problems.push(
        withDetail(
          ENCRYPTION_KEYRING,
          'invalid',
          'is malformed: id:key,... with each key 32 bytes (64 hex characters or base64)',
        ),
      );
    }
    if (keys.some((key) => key.equals(devSelfieKeyBytes)))
      problems.push(problem(ENCRYPTION_KEYRING, 'dev-default'));
  }
  if (single !== undefined) problems.push(...encryptionKeyProblems(rule.variable, [single]));
  return problems;
}

function ruleProblems(env: SecretEnv, rule: SecretRule): SecretProblem[] {
  if (rule.kind === 'encryption-key') return selfieKeyProblems(env, rule);
  const value = valueOf(env, rule.variable);
  if (value === undefined) return [problem(rule.variable, 'missing')];
  switch (rule.kind) {
    case 'api-keys':
      return apiKeysProblems(value);
    case 'secret':
      if (value === rule.devValue) return [problem(rule.variable, 'dev-default')];
      return bytes(value) < MIN_SECRET_BYTES ? [problem(rule.variable, 'too-short')] : [];
    case 'vendor-credential':
      return value === rule.devValue ? [problem(rule.variable, 'dev-default')] : [];
    case 'https-url': {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return [problem(rule.variable, 'invalid')];
      }
      return url.protocol === 'https:' ? [] : [problem(rule.variable, 'insecure-url')];
    }
  }
}

/** Optional secrets: checked only when set. */
function optionalProblems(env: SecretEnv, role: ServiceRole): SecretProblem[] {
  const basic = role === 'api' ? valueOf(env, 'WEBHOOK_BASIC_AUTH') : undefined;
  if (basic === undefined) return [];
  const separator = basic.indexOf(':');
  if (separator <= 0) return [problem('WEBHOOK_BASIC_AUTH', 'invalid')];
  return bytes(basic.slice(separator + 1)) < MIN_SECRET_BYTES
    ? [problem('WEBHOOK_BASIC_AUTH', 'too-short')]
    : [];
}

/**
 * Why `role` must not start with this environment outside development: every secret it needs that is missing,
 * a published development default, shorter than MIN_SECRET_BYTES or malformed, and a plain-http vendor URL.
 * Pure: reads nothing but `env`.
 */
export function secretProblems(env: SecretEnv, role: ServiceRole): SecretProblem[] {
  return [
    ...SECRET_RULES.filter((rule) => rule.roles.includes(role)).flatMap((rule) => ruleProblems(env, rule)),
    ...optionalProblems(env, role),
  ];
}

/**
 * The environment a service runs with. Without the switch it is `env` itself, or the list of problems when any
 * secret is unfit. With the switch, missing secrets take their development stand-ins and the listen host
 * defaults to loopback; explicit values still win.
 */
export function resolveSecrets(env: SecretEnv, role: ServiceRole): SecretResolution {
  if (!devDefaultsAllowed(env)) {
    const problems = secretProblems(env, role);
    return problems.length > 0
      ? { ok: false, problems }
      : { ok: true, env: { ...env }, devDefaultsAllowed: false, devDefaultsInUse: [] };
  }
  const resolved: Record<string, string | undefined> = { ...env };
  const inUse: string[] = [];
  for (const rule of SECRET_RULES) {
    if (!rule.roles.includes(role)) continue;
    const unset =
      valueOf(env, rule.variable) === undefined &&
      (rule.kind !== 'encryption-key' || valueOf(env, ENCRYPTION_KEYRING) === undefined);
    if (!unset) continue;
    inUse.push(rule.variable);
    if (rule.devValue !== undefined) resolved[rule.variable] = rule.devValue;
  }
  const hostVariable = DEV_LISTEN_HOST_VARIABLES[role];
  if (valueOf(env, hostVariable) === undefined) resolved[hostVariable] = DEV_LISTEN_HOST;
  return { ok: true, env: resolved, devDefaultsAllowed: true, devDefaultsInUse: inUse };
}
