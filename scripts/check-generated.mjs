#!/usr/bin/env node
// Fails when docs/generated differs from what scripts/generate-schemas.ts produces now: regenerates into a
// temporary directory and compares file lists and contents. Run through tsx (it imports the TypeScript
// generator): node --conditions=development --import tsx scripts/check-generated.mjs
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultOutDir, listFiles, writeGenerated } from './generate-schemas.ts';

const fresh = await mkdtemp(join(tmpdir(), 'generated-'));
try {
  await writeGenerated(fresh);
  const expected = await listFiles(fresh);
  const actual = await listFiles(defaultOutDir);
  const problems = [];
  for (const f of expected) {
    if (!actual.includes(f)) problems.push(`missing: docs/generated/${f}`);
    else if ((await readFile(join(fresh, f), 'utf8')) !== (await readFile(join(defaultOutDir, f), 'utf8')))
      problems.push(`outdated: docs/generated/${f}`);
  }
  for (const f of actual)
    if (!expected.includes(f)) problems.push(`no longer generated: docs/generated/${f}`);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    console.error(
      '\ndocs/generated is out of date: run `node --conditions=development --import tsx scripts/generate-schemas.ts` and commit the result.',
    );
    process.exit(1);
  }
  console.log(`docs/generated is up to date (${expected.length} files)`);
} finally {
  await rm(fresh, { recursive: true, force: true });
}
