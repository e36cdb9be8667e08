// The CLI's requests must match the api's ops schemas (strict objects): pin the bodies it sends.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type Io } from '../src/index.js';

const seen: Array<{ method: string; url: string; body: unknown; auth: string | undefined }> = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      // An incoming request of node's http server always has a method and a url.
      const { method = '', url: path = '' } = req;
      seen.push({
        method,
        url: path,
        body: raw ? (JSON.parse(raw) as unknown) : undefined,
        auth: req.headers.authorization,
      });
      const reply = path.startsWith('/v1/ops/failed/retry')
        ? { retried: 2 }
        : path.startsWith('/v1/ops/projections/rebuild')
          ? { started: true, state: req.method === 'POST' ? 'running' : 'completed' }
          : path.startsWith('/v1/ops/dead-letters/redrive')
            ? { redriven: ['3'], missing: [] }
            : path.startsWith('/v1/ops/dead-letters')
              ? { items: [], nextOffset: null }
              : {
                  id: 'r1',
                  state: req.method === 'POST' ? 'running' : 'completed',
                  dryRun: false,
                  enrollments: 1,
                  events: 3,
                  retried: 0,
                  redriven: 1,
                  terminal: 0,
                };
      res
        .writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const out: string[] = [];
const io: Io = { out: (t) => void out.push(t), err: (t) => void out.push(t), isTTY: false };
const cli = (...args: string[]) =>
  run([...args, '--api-url', url], io, { VERIFIED_ONBOARD_API_KEY: 'ops:secret' });

describe('verified-onboard request bodies', () => {
  it('failed retry by filters sends { filter } with only the given fields', async () => {
    expect(
      await cli('failed', 'retry', '--step', 'account', '--code', 'upstream_unavailable', '--batch', 'b1'),
    ).toBe(0);
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/v1/ops/failed/retry',
      body: { filter: { step: 'account', code: 'upstream_unavailable', batchId: 'b1' } },
      auth: 'Bearer ops:secret',
    });
  });

  it('failed retry by ids sends { ids }, and refuses ids mixed with filters', async () => {
    expect(await cli('failed', 'retry', '--id', 'e1', '--id', 'e2')).toBe(0);
    expect(seen.at(-1)?.body).toEqual({ ids: ['e1', 'e2'] });
    const before = seen.length;
    expect(await cli('failed', 'retry', '--id', 'e1', '--code', 'x')).toBe(2);
    expect(seen.length).toBe(before);
  });

  it('replay sends ids, batch and times, and dryRun only as asked', async () => {
    expect(await cli('replay', '--id', 'e9', '--since', '2026-01-01T00:00:00Z', '--no-wait')).toBe(0);
    expect(seen.at(-1)?.body).toEqual({ ids: ['e9'], since: '2026-01-01T00:00:00Z', dryRun: false });
    expect(await cli('replay', '--batch', 'b2', '--dry-run', '--no-wait')).toBe(0);
    expect(seen.at(-1)?.body).toEqual({ batchId: 'b2', dryRun: true });
  });

  it('replay follows the background replay until it is no longer running', async () => {
    expect(await cli('replay', '--batch', 'b3', '--interval', '10')).toBe(0);
    expect(seen.slice(-2).map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/ops/replay',
      'GET /v1/ops/replays/r1',
    ]);
  });

  it('dead-letters list pages by offset; redrive sends the offsets', async () => {
    expect(await cli('dead-letters', 'list', '--from', '5', '--limit', '20')).toBe(0);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1/ops/dead-letters?from=5&limit=20' });
    expect(await cli('dead-letters', 'redrive', '--offset', '3')).toBe(0);
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/v1/ops/dead-letters/redrive',
      body: { offsets: ['3'] },
    });
    expect(await cli('dead-letters', 'redrive')).toBe(2);
  });

  it('projections rebuild starts one and follows it until it is no longer running', async () => {
    expect(await cli('projections', 'rebuild', '--interval', '10')).toBe(0);
    expect(seen.slice(-2).map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/ops/projections/rebuild',
      'GET /v1/ops/projections/rebuild',
    ]);
  });
});
