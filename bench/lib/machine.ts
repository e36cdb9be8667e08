import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { BenchError } from './errors.js';

export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new BenchError('not_ready', `no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

export interface LoadSample {
  at: string;
  loadavg1: number;
  loadavg5: number;
}

export function loadSample(): LoadSample {
  const [one = NaN, five = NaN] = loadavg();
  return {
    at: new Date().toISOString(),
    loadavg1: Number(one.toFixed(2)),
    loadavg5: Number(five.toFixed(2)),
  };
}

export function machineFacts() {
  const version = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return r.status === 0 ? (`${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? 'unknown') : 'unknown';
  };
  const redisVersion = version('redis-server', ['--version']);
  const javaVersion = version('java', ['-version']);
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    redis: redisVersion,
    java: javaVersion,
    load: loadSample(),
  };
}

/** The kernel's clock ticks per second, the unit of /proc/<pid>/stat's CPU times (100 on Linux x64). */
export function clockTicksPerSecond(): number {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const hz = Number(r.stdout.trim());
  return r.status === 0 && hz > 0 ? hz : 100;
}
