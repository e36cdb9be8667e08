export interface ClientLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Keys whose values are secrets or biometric data whatever their casing (PascalCase wire or camelCase). */
const SECRET_KEY =
  /(token|secret|tempid|^data$|password|apikey|api_key|authorization|cookie|signature|selfie|image)/i;

export const REDACTED = '[REDACTED]';

/** Deep copy with secret-looking fields replaced; safe on cycles and on error objects. */
export function redact(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, seen));
  const source =
    value instanceof Error && typeof (value as { toJSON?: unknown }).toJSON !== 'function'
      ? { name: value.name, message: value.message, code: (value as { code?: unknown }).code }
      : typeof (value as { toJSON?: unknown }).toJSON === 'function'
        ? ((value as { toJSON(): unknown }).toJSON() as object)
        : value;
  if (source === null || typeof source !== 'object') return source;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(source)) {
    out[key] = SECRET_KEY.test(key) && inner !== null && inner !== undefined ? REDACTED : redact(inner, seen);
  }
  return out;
}

const noop = () => {};

/**
 * Every log line of the client goes through here, so a careless field added later is still redacted.
 * The client itself only logs ids, codes and timings; this is the second line of defence.
 */
export function safeLogger(logger: ClientLogger | undefined): ClientLogger {
  if (!logger) return { debug: noop, warn: noop };
  return {
    debug: (obj, msg) => logger.debug(redact(obj) as object, msg),
    warn: (obj, msg) => logger.warn(redact(obj) as object, msg),
  };
}
