// docker-compose.yml is the one way this repository offers to run outside development: pin that it can never
// run on development defaults, that its secrets come from an uncommitted env file, and what it exposes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/index.js';

interface ComposeService {
  env_file?: string | string[] | Array<{ path: string }>;
  environment?: Record<string, unknown>;
  ports?: Array<string | { host_ip?: string }>;
  depends_on?: Record<string, unknown> | string[];
}

const text = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const envFiles = (service: ComposeService) =>
  [service.env_file ?? []].flat().map((entry) => (typeof entry === 'string' ? entry : entry.path));

describe('docker-compose.yml', () => {
  it('runs no emulator and nothing depends on one', () => {
    expect(Object.keys(services)).not.toContain('emulator');
    for (const service of Object.values(services)) {
      const deps = service.depends_on ?? [];
      expect(Array.isArray(deps) ? deps : Object.keys(deps)).not.toContain('emulator');
    }
  });

  it('takes the secrets of the api and the worker from .env, which git ignores, and never sets them inline', () => {
    for (const name of ['api', 'worker']) {
      const service = services[name];
      expect(service, name).toBeDefined();
      expect(envFiles(service ?? {}), name).toEqual(['.env']);
      const inline = Object.keys(service?.environment ?? {});
      for (const secret of [
        'API_KEYS',
        'SELFIE_ENCRYPTION_KEY',
        'ENCRYPTION_KEYS',
        'VERIFIED_WEBHOOK_SECRET',
        'VERIFIED_API_KEY_ID',
        'VERIFIED_API_KEY_VALUE',
        'VERIFIED_BASE_URL',
      ])
        expect(inline, `${name} sets ${secret} inline`).not.toContain(secret);
    }
    const ignored = readFileSync(join(repoRoot, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toContain('.env');
    const example = readFileSync(join(repoRoot, '.env.example'), 'utf8');
    for (const secret of [
      'API_KEYS',
      'SELFIE_ENCRYPTION_KEY',
      'VERIFIED_WEBHOOK_SECRET',
      'VERIFIED_API_KEY_VALUE',
    ])
      expect(example).toMatch(new RegExp(`^${secret}=$`, 'm'));
  });

  it('never switches development on: no ALLOW_DEV_DEFAULTS, no NODE_ENV override', () => {
    expect(text).not.toContain('ALLOW_DEV_DEFAULTS');
    for (const [name, service] of Object.entries(services))
      expect(Object.keys(service.environment ?? {}), name).not.toContain('NODE_ENV');
  });

  it('publishes every port on 127.0.0.1 only', () => {
    const published = Object.entries(services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port) => ({ name, port })),
    );
    expect(published.length).toBeGreaterThan(0);
    for (const { name, port } of published) {
      if (typeof port === 'string') expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      else expect(port.host_ip, name).toBe('127.0.0.1');
    }
  });
});
