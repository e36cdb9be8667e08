// The CLI's exit codes are a contract for scripts: pin them on the real binary.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/verified-onboard.mjs', import.meta.url));
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('verified-onboard exit codes', () => {
  it('--help prints usage and exits 0', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('submit <file.ndjson|file.csv>');
  });

  it('no command or an unknown one is a usage error (2)', () => {
    expect(cli([]).status).toBe(2);
    const r = cli(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command');
  });

  it('an unknown option is a usage error (2)', () => {
    expect(cli(['status', 'x', '--bogus']).status).toBe(2);
  });

  it('failed retry without any selector is refused before calling the api (2)', () => {
    const r = cli(['failed', 'retry']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('needs --id or at least one filter');
  });

  it('an api that does not answer exits 3', async () => {
    const r = cli(['status', 'some-id', '--api-url', `http://127.0.0.1:${await freePort()}`]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('cannot reach the api');
  });
});
