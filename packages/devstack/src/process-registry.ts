import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { logFile, pidFile } from './paths.js';
import { WaitTimeoutError, waitFor } from './wait-for.js';

/** A long-running process of the local stack, tracked by `.local/pids/<name>.pid`. */
export interface ManagedProcess {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function recordedPid(name: string): number | null {
  const file = pidFile(name);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed process whose parent is gone may linger as a zombie until something reaps it; it is dead to us.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): signal 0 is the best answer there is
  }
}

/** Starts the process detached (it outlives `npm run up`), logging to `.local/logs/<name>.log`. */
export function startManaged(proc: ManagedProcess): number {
  const out = openSync(logFile(proc.name), 'a');
  const child = spawn(proc.command, proc.args, {
    cwd: proc.cwd,
    env: { ...process.env, ...proc.env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  if (!child.pid) throw new Error(`could not start ${proc.name}`);
  writeFileSync(pidFile(proc.name), String(child.pid));
  return child.pid;
}

/** SIGTERM, then SIGKILL after `graceMs`; removes the pid file. Returns false when nothing was running. */
export async function stopManaged(name: string, graceMs = 15_000): Promise<boolean> {
  const pid = recordedPid(name);
  rmSync(pidFile(name), { force: true });
  if (pid === null || !isAlive(pid)) return false;
  // The process was started detached, so it leads its own group: signal the group to reach its children too.
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  try {
    await waitFor(`${name} (pid ${pid}) stopped`, () => !isAlive(pid), {
      timeoutMs: graceMs,
      intervalMs: 100,
    });
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    signal('SIGKILL');
  }
  return true;
}
