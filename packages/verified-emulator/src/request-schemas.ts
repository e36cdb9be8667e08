import { z } from 'zod';
import { UpstreamApiError } from './errors.js';
import type { TransportType } from './state/operations.js';

// Request bodies are PascalCase like the upstream's; unknown fields are tolerated (looseObject) because real
// clients send extra model fields (Version, Custom, ExternalId...). Optional strings accept null, as .NET does.
const optionalText = z.string().nullable().optional();
const timeoutSeconds = z.number().int().positive();

export const beginBiometrySchema = z.looseObject({
  CheckLiveness: z.boolean().nullable().optional(),
  TimeoutSec: timeoutSeconds.nullable().optional(),
  PhoneNumber: optionalText,
  Email: optionalText,
  TransportType: z.number().int().nullable().optional(),
  IntroductionText: optionalText,
});

export const createOperationSchema = z.looseObject({
  AccountNumber: z.string(),
  Name: z.string().min(1),
  Timeout: timeoutSeconds.nullable().optional(),
  TransportType: z.number().int().nullable().optional(),
  Codeword: optionalText,
  Tag: optionalText,
  Payload: z.unknown().optional(),
});

export const createAccountSchema = z.looseObject({
  AccountNumber: z.string(),
  Version: z.number().int().nullable().optional(),
  DisplayName: z.string().min(1),
  CustomDisplayName: optionalText,
  Description: optionalText,
  Enabled: z.boolean().nullable().optional(),
  Custom: z.boolean().nullable().optional(),
  Email: optionalText,
  PhoneNumber: optionalText,
  Rules: z.number().int().nullable().optional(),
  DisableReason: optionalText,
  EmailVerified: z.boolean().nullable().optional(),
  PhoneNumberVerified: z.boolean().nullable().optional(),
});

export const proofedCredentialSchema = z.looseObject({ TempId: z.string().min(1) });

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const bioCredentialSchema = z.looseObject({
  ExternalId: optionalText,
  Description: optionalText,
  CredentialType: z.number().int().nullable().optional(),
  DataType: z.number().int().nullable().optional(),
  Data: z
    .string()
    .min(1)
    .refine((s) => s.length % 4 === 0 && BASE64.test(s), { message: 'Data must be base64' }),
  IsProofed: z.boolean().nullable().optional(),
  SourceCredentials: z.array(z.unknown()).nullable().optional(),
});

/** The official demo posts the refresh token as a JSON string literal; `{ "RefreshToken": "..." }` is accepted too (§9 #8). */
export const refreshBodySchema = z.union([
  z.string().min(1),
  z.looseObject({ RefreshToken: z.string().min(1) }).transform((b) => b.RefreshToken),
]);

/** docs/verified-api.md §8 / §9: the real limit is unknown; this rejects whitespace, `/` and other URL-hostile input. */
export const ACCOUNT_NUMBER_PATTERN = /^[A-Za-z0-9._@+-]{1,128}$/;

export function checkAccountNumber(accountNumber: string): string {
  if (!ACCOUNT_NUMBER_PATTERN.test(accountNumber)) {
    throw new UpstreamApiError(
      400,
      'E_INVALID_ACCOUNT_NUMBER',
      `AccountNumber '${accountNumber.slice(0, 140)}' is not valid.`,
    );
  }
  return accountNumber;
}

/**
 * TransportType 0 inline, 1 SMS, 2 Email (D-OOB). 1 and 2 need a phone number / email to send to. 3 appears in
 * one old doc page only, so it is refused (§9 #13, emulator assumption) like any other value.
 */
export function checkTransport(
  transportType: number | null | undefined,
  contact: { phoneNumber?: string | null | undefined; email?: string | null | undefined },
): TransportType {
  const t = transportType ?? 0;
  if (t !== 0 && t !== 1 && t !== 2) {
    throw new UpstreamApiError(400, 'E_INVALID_TRANSPORT_TYPE', `TransportType ${t} is not supported.`);
  }
  if (t === 1 && !contact.phoneNumber) {
    throw new UpstreamApiError(
      400,
      'E_PHONE_NUMBER_REQUIRED',
      'A phone number is required for TransportType 1 (SMS).',
    );
  }
  if (t === 2 && !contact.email) {
    throw new UpstreamApiError(
      400,
      'E_EMAIL_REQUIRED',
      'An email address is required for TransportType 2 (Email).',
    );
  }
  return t;
}
