import { z } from 'zod';
import { optionalString } from './common.js';

export interface CreateAccountInput {
  accountNumber: string;
  displayName: string;
  customDisplayName?: string;
  description?: string;
  email?: string;
  phoneNumber?: string;
}

/** The upstream puts AccountNumber in URL paths; it recommends GUIDs and advises against spaces and symbols. */
export const accountNumberSchema = z.string().min(1).max(128);

export const createAccountInputSchema = z.object({
  accountNumber: accountNumberSchema,
  displayName: z.string(),
  customDisplayName: z.string().optional(),
  description: z.string().optional(),
  email: z.string().min(1).optional(),
  phoneNumber: z.string().min(1).optional(),
});

export function toCreateAccountWire(input: CreateAccountInput) {
  const valid = createAccountInputSchema.parse(input);
  return {
    AccountNumber: valid.accountNumber,
    Version: 0,
    DisplayName: valid.displayName,
    CustomDisplayName: valid.customDisplayName ?? valid.displayName,
    Description: valid.description ?? '',
    Enabled: true,
    Custom: true,
    ...(valid.email !== undefined && { Email: valid.email }),
    ...(valid.phoneNumber !== undefined && { PhoneNumber: valid.phoneNumber }),
  };
}

export interface Account {
  accountNumber: string;
  displayName: string | null;
  customDisplayName: string | null;
  description: string | null;
  email: string | null;
  phoneNumber: string | null;
  enabled: boolean | null;
  version: number | null;
}

export const accountSchema = z
  .looseObject({
    AccountNumber: z.string().min(1),
    DisplayName: optionalString,
    CustomDisplayName: optionalString,
    Description: optionalString,
    Email: optionalString,
    PhoneNumber: optionalString,
    Enabled: z.boolean().nullish(),
    Version: z.number().nullish(),
  })
  .transform((wire): Account => ({
    accountNumber: wire.AccountNumber,
    displayName: wire.DisplayName,
    customDisplayName: wire.CustomDisplayName,
    description: wire.Description,
    email: wire.Email,
    phoneNumber: wire.PhoneNumber,
    enabled: wire.Enabled ?? null,
    version: wire.Version ?? null,
  }));

/** GetAccount answers 200 with `null` for a missing account. */
export const maybeAccountSchema = z.union([z.null(), accountSchema]);
