import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@verified-onboard/devstack';
import { afterAll, describe, expect, it } from 'vitest';
import { IDENTITY_PREFIX } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('src/main.ts (standalone process)', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('listens on EMULATOR_PORT, accepts only the EMULATOR_API_KEY_* pair, and exits 0 on SIGTERM', async () => {
    child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'src/main.ts'], {
      cwd: packageDir,
      env: {
        ...process.env,
        EMULATOR_PORT: '0',
        EMULATOR_API_KEY_ID: 'proc-id',
        EMULATOR_API_KEY_VALUE: 'proc-value',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => (output += chunk.toString());
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const baseUrl = await waitFor(
      'the emulator to listen',
      () => /listening on (http:\/\/\S+) /.exec(output)?.[1],
    );

    const basic = (id: string, value: string) => ({
      authorization: `Basic ${Buffer.from(`${id}:${value}`).toString('base64')}`,
    });
    const ok = await fetch(`${baseUrl}${IDENTITY_PREFIX}/auth/token`, {
      method: 'POST',
      headers: basic('proc-id', 'proc-value'),
    });
    expect(ok.status).toBe(200);
    const defaults = await fetch(`${baseUrl}${IDENTITY_PREFIX}/auth/token`, {
      method: 'POST',
      headers: basic('emulator-key-id', 'emulator-key-value'),
    });
    expect(defaults.status).toBe(401);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null, NodeJS.Signals | null];
    expect(code).toBe(0);
    expect(output).toContain('SIGTERM, closing');
  });
});
