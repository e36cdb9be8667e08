import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { repoRoot } from './paths.js';
import { tsEntry } from './service-process.js';
import { waitFor } from './wait-for.js';

/** A workspace entry running as a child of the test, its stdout and stderr kept apart. */
export interface EntryProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM (then SIGKILL after `graceMs`), resolving once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a workspace TypeScript entry (e.g. services/api/src/main.ts) with exactly `env` (nothing of the test's
 * own environment leaks in beyond PATH and HOME), for tests of how a process starts or refuses to.
 */
export function spawnEntry(entry: string, env: NodeJS.ProcessEnv): EntryProcess {
  const { command, args } = tsEntry(entry);
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Starts an entry and races its exit against its /healthz: a process that refuses to start resolves with its
 * exit code, one that starts with 'listening'. The caller stops it (`p.stop()`).
 */
export async function startEntryUntilHealthy(
  entry: string,
  env: NodeJS.ProcessEnv,
  healthzUrl: string,
  what: string,
): Promise<{ p: EntryProcess; outcome: number | null | 'listening' }> {
  const p = spawnEntry(entry, env);
  const listening = waitFor(
    `${what} answers /healthz`,
    async () =>
      (await fetch(healthzUrl, { signal: AbortSignal.timeout(1000) }).catch(() => null))?.ok ?? false,
    { timeoutMs: 45_000, intervalMs: 200 },
  ).then(() => 'listening' as const);
  // Once the process has exited, nothing will answer: the probe's rejection is not the outcome.
  listening.catch(() => undefined);
  return { p, outcome: await Promise.race([p.exited, listening]) };
}
