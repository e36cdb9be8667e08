// The CLI's exit codes are a contract for scripts: pin them on the real binary.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@verified-onboard/devstack';
import { DEV_API_KEY_CREDENTIAL as SERVICES_DEV_KEY } from '@verified-onboard/events';
import { describe, expect, it } from 'vitest';
import { DEV_API_KEY_CREDENTIAL } from '../src/api-key.js';

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
    const r = cli(['status', 'some-id', '--api-url', `http://127.0.0.1:${await freePort()}`], {
      VERIFIED_ONBOARD_API_KEY: 'k:secret',
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('cannot reach the api');
  });
});

describe('verified-onboard API key sources', () => {
  const noKey = { VERIFIED_ONBOARD_API_KEY: '', ALLOW_DEV_DEFAULTS: '' };

  it('refuses --api-key on the command line (2) and points at the alternatives', () => {
    const r = cli(['status', 'some-id', '--api-key', 'k:secret'], noKey);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--api-key is refused');
    expect(r.stderr).toContain('--api-key-file');
    expect(r.stderr).toContain('VERIFIED_ONBOARD_API_KEY');
    expect(r.stderr).not.toContain('k:secret');
  });

  it('without a key file, the environment or ALLOW_DEV_DEFAULTS=1 there is no key (2)', () => {
    const r = cli(['status', 'some-id'], noKey);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no API key');
  });

  it('sends the key from --api-key-file, from VERIFIED_ONBOARD_API_KEY, or the dev key under ALLOW_DEV_DEFAULTS', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"not_found","message":"no such enrollment"}}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'cli-key-'));
    const keyFile = join(dir, 'api-key');
    writeFileSync(keyFile, 'from-file:secret\n', { mode: 0o600 });
    const run = (args: string[], env: NodeJS.ProcessEnv) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [bin, 'status', 'some-id', '--api-url', url, ...args], {
          env: { ...process.env, ...noKey, ...env },
          stdio: 'ignore',
        });
        child.on('exit', resolve);
      });
    try {
      expect(await run(['--api-key-file', keyFile], { VERIFIED_ONBOARD_API_KEY: 'from-env:secret' })).toBe(1);
      expect(await run([], { VERIFIED_ONBOARD_API_KEY: 'from-env:secret' })).toBe(1);
      expect(await run([], { ALLOW_DEV_DEFAULTS: '1' })).toBe(1);
      expect(seen).toEqual([
        'Bearer from-file:secret',
        'Bearer from-env:secret',
        `Bearer ${DEV_API_KEY_CREDENTIAL}`,
      ]);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds the same dev key as the services', () => {
    expect(DEV_API_KEY_CREDENTIAL).toBe(SERVICES_DEV_KEY);
  });
});
