import { z } from 'zod';
import { parseKeyList } from '../crypto/keyring.js';

/**
 * ENCRYPTION_KEYS as every process reads it: unset or blank is "no keyring", anything else must parse as
 * `id:key,...`, so a typo stops the process at start with the entry named instead of at the first seal.
 */
export const encryptionKeysEnvSchema = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
  z
    .string()
    .superRefine((spec, ctx) => {
      try {
        parseKeyList(spec);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .optional(),
);
