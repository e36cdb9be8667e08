import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { promisify } from 'node:util';
import { freePort, isPortOpen, waitFor } from '@verified-onboard/devstack';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../src/index.js';

const run = promisify(execFile);
const USER = 'vo-service';
const PASSWORD = 'acl-password-0123456789';

let dir: string;
let caFile: string;
let server: ChildProcess | undefined;
let terminator: NetServer | undefined;
let tlsPort: number;
const clients: Redis[] = [];

/** A CA and a server certificate for 127.0.0.1 signed by it (openssl, EC P-256). */
async function makeCertificates(): Promise<{ key: Buffer; cert: Buffer }> {
  const openssl = (...args: string[]) => run('openssl', args);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const f = (name: string) => join(dir, name);
  await openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    caFile,
    '-subj',
    '/CN=test-ca',
    '-days',
    '2',
  );
  await openssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  await writeFile(f('ext'), 'subjectAltName=IP:127.0.0.1\n');
  await openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    caFile,
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.pem'),
    '-days',
    '2',
    '-extfile',
    f('ext'),
  );
  return { key: readFileSync(f('server.key')), cert: readFileSync(f('server.pem')) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vo-redis-tls-'));
  caFile = join(dir, 'ca.pem');
  const { key, cert } = await makeCertificates();
  // The default user is switched off: only the ACL user, with its password, gets in.
  const port = await freePort();
  server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--user',
      'default',
      'off',
      '--user',
      USER,
      'on',
      `>${PASSWORD}`,
      '~*',
      '&*',
      '+@all',
    ],
    { stdio: 'ignore' },
  );
  await waitFor('redis-server with an ACL user', () => isPortOpen(port));
  // The installed redis-server is built without TLS (docs/security.md), so TLS is terminated in front of it,
  // as a managed Redis or a stunnel sidecar would: the client side is real TLS over a real socket.
  tlsPort = await freePort();
  terminator = createServer({ key, cert }, (socket) => {
    const upstream = connect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => terminator?.listen(tlsPort, '127.0.0.1', resolve));
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await new Promise((resolve) => (terminator ? terminator.close(resolve) : resolve(undefined)));
  server?.kill('SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A client that fails its first command instead of reconnecting for ever. */
function client(url: string, ca?: string): Redis {
  const redis = createRedis(
    url,
    { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 },
    { caFile: ca },
  );
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

/** The user the server sees; rejects with the first error the connection met (ioredis emits it, then closes). */
async function whoami(url: string, ca?: string): Promise<unknown> {
  const redis = client(url, ca);
  const errors: Error[] = [];
  redis.on('error', (error: Error) => errors.push(error));
  try {
    await redis.connect();
    return await redis.call('ACL', 'WHOAMI');
  } catch (error) {
    throw errors[0] ?? error;
  }
}

describe('createRedis: rediss:// with a CA file, and an ACL user from the URL', () => {
  it('connects over TLS verified against REDIS_TLS_CA_FILE and logs in as the URL user', async () => {
    const url = `rediss://${USER}:${PASSWORD}@127.0.0.1:${tlsPort}`;
    expect(await whoami(url, caFile)).toBe(USER);
    const redis = client(url, caFile);
    await redis.set('wire-test', 'value', 'EX', 60);
    expect(await redis.get('wire-test')).toBe('value');
    // BullMQ and the api's queue take a duplicate: it keeps the TLS options and the credentials.
    const copy = redis.duplicate();
    clients.push(copy);
    expect(await copy.call('ACL', 'WHOAMI')).toBe(USER);
  });

  it('refuses a wrong password and a missing user', async () => {
    await expect(whoami(`rediss://${USER}:wrong-password@127.0.0.1:${tlsPort}`, caFile)).rejects.toThrow(
      /WRONGPASS/,
    );
    await expect(whoami(`rediss://127.0.0.1:${tlsPort}`, caFile)).rejects.toThrow(/NOAUTH|WRONGPASS/);
  });

  it('refuses a server certificate it cannot verify (no CA file) and plaintext to the TLS port', async () => {
    await expect(whoami(`rediss://${USER}:${PASSWORD}@127.0.0.1:${tlsPort}`)).rejects.toThrow(/certificate/i);
    await expect(whoami(`redis://${USER}:${PASSWORD}@127.0.0.1:${tlsPort}`, caFile)).rejects.toThrow();
  });
});
