import { z } from 'zod';

export const tokenResponseSchema = z.looseObject({
  AccessToken: z.string().min(1),
  RefreshToken: z.string().min(1).nullish(),
  AccessTokenExpirationDate: z.string().nullish(),
  RefreshTokenExpirationDate: z.string().nullish(),
});

export type TokenResponseWire = z.infer<typeof tokenResponseSchema>;
