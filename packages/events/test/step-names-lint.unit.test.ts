import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STEPS, stepSchema } from '../src/index.js';

// The step names are spelled in the catalogue (STEPS), the domain core and the contracts only: eslint's
// no-restricted-syntax refuses them anywhere else (eslint.config.js), so no shell keeps its own pipeline.

const root = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The messages of the step-name rule for `code` linted as if it were `filePath`. */
async function stepNameErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

const SNIPPET = `export const step = 'poll';\nexport type Later = 'account' | 'credential';\n`;

describe('step names outside the catalogue', () => {
  it('STEPS is the catalogue: every step of the schema, by its own name', () => {
    expect(Object.values(STEPS)).toEqual(stepSchema.options);
    for (const [key, value] of Object.entries(STEPS)) expect(key).toBe(value);
  });

  it('are refused in a shell, values and types alike', async () => {
    const errors = await stepNameErrors(SNIPPET, 'services/worker/src/pipeline/step-runner.ts');
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain('import STEPS');
  });

  it('are allowed in the domain core, the catalogue and the contracts', async () => {
    for (const file of [
      'packages/events/src/domain/next-work.ts',
      'packages/events/src/schemas/common.ts',
      'packages/contracts/src/queues.ts',
    ])
      expect(await stepNameErrors(SNIPPET, file)).toEqual([]);
  });
});
