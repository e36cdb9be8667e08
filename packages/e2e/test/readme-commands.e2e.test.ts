// Every command the README promises starts on a machine that has Node and npm but no pnpm: the commands run
// in an environment whose PATH holds node, npm and the system's directories, minus any directory with a pnpm.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isPortOpen, repoRoot, waitFor } from '@verified-onboard/devstack';

/** The `npm …` commands named in the README's quick start and command table, e.g. `npm run up`, `npm test`. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## Quick start');
  const end = readme.indexOf('\n## ', readme.indexOf('## Commands'));
  const names = new Set<string>();
  for (const match of readme.slice(start, end).matchAll(/`npm (test|run ([\w:-]+))\b[^`]*`/g)) {
    names.add(match[2] ?? 'test');
  }
  return [...names];
}

const scratch = mkdtempSync(join(tmpdir(), 'readme-commands-'));

/** node, npm and npx by themselves, then the system directories that hold no pnpm. */
function pathWithoutPnpm(): string {
  const bin = join(scratch, 'bin');
  const nodeDir = dirname(process.execPath);
  spawnSync('mkdir', ['-p', bin]);
  for (const tool of ['node', 'npm', 'npx']) symlinkSync(join(nodeDir, tool), join(bin, tool));
  const system = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  return [bin, ...system.filter((dir) => !existsSync(join(dir, 'pnpm')))].join(delimiter);
}

// Nothing of the developer's shell or of the npm that runs this test: no npm_* variables, no PNPM_HOME.
const env: NodeJS.ProcessEnv = {
  HOME: process.env.HOME ?? scratch,
  LANG: 'C.UTF-8',
  PATH: pathWithoutPnpm(),
  VO_LOCAL_DIR: join(scratch, 'local'),
};

function npm(args: string[]): SpawnSyncReturns<string> {
  return spawnSync('npm', args, { cwd: repoRoot, env, encoding: 'utf8', timeout: 180_000 });
}

/** How the README spells a script: `npm test`, `npm run up`. */
const spelled = (name: string) => (name === 'test' ? 'npm test' : `npm run ${name}`);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('every README command on a machine without a global pnpm', () => {
  const commands = readmeCommands();

  beforeAll(() => {
    expect(spawnSync('sh', ['-c', 'command -v pnpm'], { env }).status).not.toBe(0);
  });

  it('the README names every npm script, and every command it names is an npm script', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect([...commands].sort()).toEqual(Object.keys(manifest.scripts).sort());
  });

  it.each(commands.map((name) => [spelled(name), name]))(
    '%s -- --help reaches its entry point and prints its usage',
    (_, name) => {
      const result = npm([...spelled(name).split(' ').slice(1), '--', '--help']);
      const output = `${result.stdout}${result.stderr}`;
      expect(output).not.toMatch(/not found/);
      expect(result.status, output).toBe(0);
      expect(result.stdout).toContain(name === 'cli' ? 'verified-onboard' : spelled(name));
    },
  );

  it('npm run build compiles a package with the project-local pnpm', () => {
    const result = npm(['run', 'build', '--', '--filter', '@verified-onboard/verified-client']);
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(existsSync(join(repoRoot, 'packages/verified-client/dist/index.js'))).toBe(true);
  });

  it('npm run status reports on the local stack', () => {
    const result = npm(['run', 'status']);
    // 0 when everything runs, 1 when something does not: either way it started and reported.
    expect([0, 1], `${result.stdout}${result.stderr}`).toContain(result.status);
    expect(result.stdout).toMatch(/emulator/);
  });

  it('npm run emulator serves the API until it is stopped', async () => {
    const port = await freePort();
    const child = spawn('npm', ['run', 'emulator'], {
      cwd: repoRoot,
      env: { ...env, EMULATOR_PORT: String(port) },
      detached: true,
      stdio: 'ignore',
    });
    try {
      const health = await waitFor(
        'the emulator to answer',
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/_emulator/stats`).catch(() => undefined);
          return response?.ok ? response.status : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      expect(health).toBe(200);
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    }
    // The signal reached the emulator through npm and the launcher: nothing is left listening.
    expect(await waitFor('the emulator to stop', async () => !(await isPortOpen(port)))).toBe(true);
  });
});
