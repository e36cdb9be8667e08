import { readFileSync } from 'node:fs';
import { UsageError } from './errors.js';

/**
 * The local dev key (packages/events/src/config/dev-defaults.ts, DEV_API_KEY_CREDENTIAL; a unit test keeps the two
 * equal). Copied so the CLI does not load the Kafka client to read one constant.
 */
export const DEV_API_KEY_CREDENTIAL = 'local-dev-key:local-dev-secret-only-for-127.0.0.1-never-deploy';

export interface ApiKeySources {
  /** `--api-key` given on the command line: refused, since `ps` and shell history show it. */
  commandLineKey: string | undefined;
  /** `--api-key-file PATH`. */
  keyFile: string | undefined;
  env: NodeJS.ProcessEnv;
}

const ALTERNATIVES = 'use --api-key-file PATH or the environment variable VERIFIED_ONBOARD_API_KEY';

/** Throws UsageError for `--api-key VALUE`; otherwise the key from the file, the environment, or the dev key in dev. */
export function refuseCommandLineKey(sources: ApiKeySources): void {
  if (sources.commandLineKey !== undefined)
    throw new UsageError(
      `--api-key is refused: a key on the command line shows in ps and shell history; ${ALTERNATIVES}`,
    );
}

export function resolveApiKey(sources: ApiKeySources): string {
  refuseCommandLineKey(sources);
  if (sources.keyFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(sources.keyFile, 'utf8');
    } catch (error) {
      throw new UsageError(
        `cannot read --api-key-file ${sources.keyFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    const key = text.trim();
    if (!key) throw new UsageError(`--api-key-file ${sources.keyFile} is empty`);
    return key;
  }
  const fromEnv = sources.env.VERIFIED_ONBOARD_API_KEY?.trim();
  if (fromEnv) return fromEnv;
  if (['1', 'true', 'yes'].includes((sources.env.ALLOW_DEV_DEFAULTS ?? '').trim().toLowerCase()))
    return DEV_API_KEY_CREDENTIAL;
  throw new UsageError(`no API key: ${ALTERNATIVES} (ALLOW_DEV_DEFAULTS=1 uses the local dev key)`);
}
