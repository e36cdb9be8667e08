import { z } from 'zod';

export interface WebhookEndpointSettings {
  url: string;
  /** Seconds the upstream waits to connect to our endpoint. */
  connectTimeout?: number;
  /** 0 none, 1 HTTP Basic with login and password. */
  authMode?: number;
  login?: string | null;
  password?: string | null;
  isValidateCertificate?: boolean;
  allowedServerCertificateThumbprints?: string | null;
}

export interface WebhookSettings {
  enabled: boolean;
  /** HMAC key the upstream signs deliveries with. */
  secretKey?: string | null;
  version?: number;
  webHook: WebhookEndpointSettings;
}

export const webhookSettingsInputSchema = z.object({
  enabled: z.boolean(),
  secretKey: z.string().nullish(),
  version: z.number().int().optional(),
  webHook: z.object({
    url: z.string(),
    connectTimeout: z.number().int().nonnegative().optional(),
    authMode: z.number().int().nonnegative().optional(),
    login: z.string().nullish(),
    password: z.string().nullish(),
    isValidateCertificate: z.boolean().optional(),
    allowedServerCertificateThumbprints: z.string().nullish(),
  }),
});

export function toWebhookSettingsWire(settings: WebhookSettings) {
  const valid = webhookSettingsInputSchema.parse(settings);
  const hook = valid.webHook;
  return {
    Enabled: valid.enabled,
    ...(valid.secretKey !== undefined && { SecretKey: valid.secretKey }),
    Version: valid.version ?? 0,
    WebHook: {
      Url: hook.url,
      ConnectTimeout: hook.connectTimeout ?? 10,
      AuthMode: hook.authMode ?? 0,
      Login: hook.login ?? null,
      Password: hook.password ?? null,
      IsValidateCertificate: hook.isValidateCertificate ?? true,
      AllowedServerCertificateThumbprints: hook.allowedServerCertificateThumbprints ?? null,
    },
  };
}

export const webhookSettingsSchema = z
  .looseObject({
    Enabled: z.boolean().nullish(),
    SecretKey: z.string().nullish(),
    Version: z.number().int().nullish(),
    WebHook: z
      .looseObject({
        Url: z.string().nullish(),
        ConnectTimeout: z.number().nullish(),
        AuthMode: z.number().int().nullish(),
        Login: z.string().nullish(),
        Password: z.string().nullish(),
        IsValidateCertificate: z.boolean().nullish(),
        AllowedServerCertificateThumbprints: z.string().nullish(),
      })
      .nullish(),
  })
  .transform((wire): WebhookSettings => {
    const hook = wire.WebHook ?? {};
    return {
      enabled: wire.Enabled ?? false,
      secretKey: wire.SecretKey ?? null,
      version: wire.Version ?? 0,
      webHook: {
        url: hook.Url ?? '',
        ...(hook.ConnectTimeout != null && { connectTimeout: hook.ConnectTimeout }),
        authMode: hook.AuthMode ?? 0,
        login: hook.Login ?? null,
        password: hook.Password ?? null,
        ...(hook.IsValidateCertificate != null && { isValidateCertificate: hook.IsValidateCertificate }),
        allowedServerCertificateThumbprints: hook.AllowedServerCertificateThumbprints ?? null,
      },
    };
  });
