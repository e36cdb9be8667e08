import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file's place in packages/devstack/src (or dist). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Ignored state folder for the local stack: `.local/logs/<process>.log`, `.local/pids/<process>.pid`.
 * VO_LOCAL_DIR moves it (tests run a second stack beside a developer's own).
 */
export const localDir = process.env.VO_LOCAL_DIR ?? join(repoRoot, '.local');

export function logFile(name: string): string {
  mkdirSync(join(localDir, 'logs'), { recursive: true });
  return join(localDir, 'logs', `${name}.log`);
}

export function pidFile(name: string): string {
  mkdirSync(join(localDir, 'pids'), { recursive: true });
  return join(localDir, 'pids', `${name}.pid`);
}
