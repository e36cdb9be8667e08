import { z } from 'zod';

export interface CreateBiometricCredentialInput {
  /** Base64 image bytes. */
  data: string;
  /** Upstream DataType; 1 (face image) when omitted. */
  dataType?: number;
  description?: string;
}

export const createBiometricCredentialInputSchema = z.object({
  data: z.base64().min(1),
  dataType: z.number().int().nonnegative().optional(),
  description: z.string().optional(),
});

/** CredentialType 1 is the biometric (face) credential; IsProofed false because the image was not captured live by the upstream. */
export function toBiometricCredentialWire(input: CreateBiometricCredentialInput) {
  const valid = createBiometricCredentialInputSchema.parse(input);
  return {
    ExternalId: null,
    Description: valid.description ?? '',
    CredentialType: 1,
    DataType: valid.dataType ?? 1,
    Data: valid.data,
    IsProofed: false,
    SourceCredentials: [],
    DeletedDate: null,
  };
}

export const tempIdSchema = z.string().min(1);

/** The credential endpoints' answer is not documented and the client ignores it, but must at least be JSON or empty. */
export const ignoredBodySchema = z.unknown();
