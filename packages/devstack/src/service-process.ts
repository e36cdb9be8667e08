import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logFile, repoRoot } from './paths.js';
import { isPortOpen } from './ports.js';
import { isAlive, startManaged } from './process-registry.js';
import { waitFor } from './wait-for.js';

/** The last `lines` lines of a log file, for the message of a process that died. */
export function logTail(file: string, lines = 25): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
}

/** Node running a workspace TypeScript entry from its sources (no build step), as `npm run up` does. */
export function tsEntry(file: string, nodeArgs: string[] = []): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [...nodeArgs, '--conditions=development', '--import', 'tsx', join(repoRoot, file)],
  };
}

/** A process that exited while it was expected to come up; the message carries the end of its log. */
export class ServiceExitedError extends Error {
  readonly code = 'service_exited';
  constructor(
    readonly service: string,
    readonly log: string,
  ) {
    super(`${service} exited during start; last lines of ${log}:\n${logTail(log)}`);
    this.name = 'ServiceExitedError';
  }
}

export interface ServiceReadiness {
  /** Ready once this port accepts connections... */
  port: number;
  /** ...and, when given, once this URL answers 2xx (e.g. a readiness endpoint that checks Redis and Kafka). */
  readyUrl?: string;
  /** Bound on the wait; default 90 s (a cold tsx start on a busy 2-core machine takes a while). */
  timeoutMs?: number;
}

/**
 * Waits until the managed process `name` (pid `pid`) is ready, and fails at once with its log when it exits
 * instead: a crash at start is reported in seconds, not at the deadline.
 */
export async function waitServiceReady(
  name: string,
  pid: number,
  readiness: ServiceReadiness,
): Promise<void> {
  const { port, readyUrl } = readiness;
  const state = await waitFor(
    readyUrl ? `${name} answering ${readyUrl}` : `${name} listening on ${port}`,
    async () => {
      if (!isAlive(pid)) return 'exited';
      if (!(await isPortOpen(port))) return undefined;
      if (!readyUrl) return 'ready';
      return (await fetch(readyUrl, { signal: AbortSignal.timeout(2000) })).ok && 'ready';
    },
    { timeoutMs: readiness.timeoutMs ?? 90_000, intervalMs: 200 },
  );
  if (state === 'exited') throw new ServiceExitedError(name, logFile(name));
}

export interface ServiceSpec extends ServiceReadiness {
  /** Process name: its pid file and log under the state folder. */
  name: string;
  /** Workspace-relative TypeScript entry, e.g. services/api/src/main.ts. */
  entry: string;
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
}

/** Starts a workspace entry as a detached managed process and resolves with its pid once it is ready. */
export async function startService(spec: ServiceSpec): Promise<number> {
  const pid = startManaged({
    name: spec.name,
    ...tsEntry(spec.entry, spec.nodeArgs),
    ...(spec.env && { env: spec.env }),
    cwd: repoRoot,
  });
  await waitServiceReady(spec.name, pid, spec);
  return pid;
}
