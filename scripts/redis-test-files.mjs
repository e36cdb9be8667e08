// Which int and e2e test files touch Redis: the ones `npm test` runs a second time on a Redis Cluster. Derived,
// never listed, so a new test file is chosen by the same rule as the old ones.
//
// The rule: a file touches Redis when it, or a module it reaches through relative imports (its test support,
// its package's own sources), mentions Redis (the word, any case: `redisClient`, `REDIS_URL`, the harnesses'
// `redis`, `createRedis`). That is how a test reaches Redis here: testInfra().redisUrl, redisClient, a harness
// that connects or starts the services with REDIS_URL, a stack (`e2e-stack`, devstack's `stack`). Workspace
// packages (`@verified-onboard/...`) are not followed: their barrels export a Redis client next to `waitFor`,
// which would make every file "touch" Redis. The files left out run the same on either Redis: the emulator's
// own tests (no Redis in the emulator) and the README commands test (its children get a scratch environment
// without REDIS_URL).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const mentionsRedis = /redis/i;
const relativeImport = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Every int and e2e test file (the globs of vitest.config.ts, minus the unit tier), relative to `root`. */
function intAndE2eFiles(root) {
  const files = [];
  for (const area of ['packages', 'services']) {
    for (const unit of readdirSync(join(root, area))) {
      const testDir = join(root, area, unit, 'test');
      if (!existsSync(testDir)) continue;
      for (const entry of readdirSync(testDir, { recursive: true })) {
        const name = String(entry);
        if (name.endsWith('.test.ts') && !name.endsWith('.unit.test.ts')) {
          files.push(relative(root, join(testDir, name)));
        }
      }
    }
  }
  return files.sort();
}

/** The .ts file a relative specifier names (`./x.js` is `./x.ts` in these sources), if it exists. */
function resolveSpecifier(from, specifier) {
  const path = resolve(dirname(from), specifier);
  for (const candidate of [path.replace(/\.js$/, '.ts'), `${path}.ts`, join(path, 'index.ts'), path]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function touchesRedis(file) {
  const seen = new Set([file]);
  const queue = [file];
  while (queue.length > 0) {
    const current = queue.pop();
    const source = readFileSync(current, 'utf8');
    if (mentionsRedis.test(source)) return true;
    for (const [, specifier] of source.matchAll(relativeImport)) {
      const next = resolveSpecifier(current, specifier);
      if (next && !seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return false;
}

/** The int and e2e test files that touch Redis, by the rule above; paths relative to `root`. */
export function redisTestFiles(root) {
  return intAndE2eFiles(root).filter((file) => touchesRedis(join(root, file)));
}
