// Writes the event catalogue's exports for other teams into docs/generated/: one JSON Schema per event type
// and the AsyncAPI 3 document of the topics. `npm test` checks they are current (scripts/check-generated.mjs).
//   node --conditions=development --import tsx scripts/generate-schemas.ts [outDir]
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// A root script is outside the workspace packages, so it reaches the package by path, not by name.
import { generatedFiles } from '../packages/events/src/index.js';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const defaultOutDir = join(root, 'docs', 'generated');

/** Lists files under a directory, relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string) {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  }
  await walk(dir);
  return out.sort();
}

/** Writes every generated file into outDir and removes files there that are no longer generated. */
export async function writeGenerated(outDir: string): Promise<string[]> {
  const files = generatedFiles();
  for (const stale of await listFiles(outDir)) {
    if (!files.has(stale)) await rm(join(outDir, stale));
  }
  for (const [path, content] of files) {
    await mkdir(dirname(join(outDir, path)), { recursive: true });
    await writeFile(join(outDir, path), content);
  }
  return [...files.keys()].sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? defaultOutDir);
  const written = await writeGenerated(outDir);
  console.log(`wrote ${written.length} files to ${relative(root, outDir) || outDir}`);
}
