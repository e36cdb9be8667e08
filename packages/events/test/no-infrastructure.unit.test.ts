// packages/events is the catalogue and the domain core: pure code that any process, test or tool can load without
// a broker or a Redis client (issue 15). Its Kafka and Redis adapters live in @verified-onboard/adapters. eslint
// forbids the imports too; this test also covers the manifest, and runs in the unit tier of every landing.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const INFRASTRUCTURE = ['kafkajs', 'ioredis', 'bullmq', 'fastify', 'pino'];
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Every module specifier of a source text: static and dynamic imports, re-exports, side-effect imports. */
function specifiers(source: string): string[] {
  const found = source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g);
  return [...found].map((m) => m[1] ?? '');
}

const infrastructureIn = (names: string[]) =>
  names.filter((name) => INFRASTRUCTURE.some((lib) => name === lib || name.startsWith(`${lib}/`)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

describe('packages/events uses no infrastructure library', () => {
  it('its package.json depends on none of kafkajs, ioredis, bullmq, fastify, pino', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    const sections = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
    const declared = sections.flatMap((section) => Object.keys(manifest[section] ?? {}));
    expect(declared).toContain('zod');
    expect(infrastructureIn(declared)).toEqual([]);
  });

  it('no file under src imports one', () => {
    const files = sourceFiles(join(packageDir, 'src'));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.flatMap((file) =>
      infrastructureIn(specifiers(readFileSync(file, 'utf8'))).map((name) => `${file}: ${name}`),
    );
    expect(offenders).toEqual([]);
  });

  it('sees every form of import it checks for', () => {
    const source = [
      "import type { Kafka } from 'kafkajs';",
      "import { Redis } from 'ioredis';",
      "export { Queue } from 'bullmq';",
      "import 'pino/file';",
      "const f = await import('fastify');",
      "import { z } from 'zod';",
    ].join('\n');
    expect(infrastructureIn(specifiers(source))).toEqual([
      'kafkajs',
      'ioredis',
      'bullmq',
      'pino/file',
      'fastify',
    ]);
  });
});
