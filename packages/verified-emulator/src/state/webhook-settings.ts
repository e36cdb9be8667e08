import { z } from 'zod';

/** `WebHookSettings` (docs/verified-api.md §3.9). Tenant-wide: one webhook for the whole customer. */
export interface WebhookSettings {
  Enabled: boolean;
  SecretKey: string;
  Version: number;
  WebHook: {
    Url: string;
    /** Emulator assumption: seconds (the unit is undocumented); 0 means the default of 5 s. */
    ConnectTimeout: number;
    /** 0 = none, 1 = Basic(Login, Password). */
    AuthMode: number;
    Login: string;
    Password: string;
    IsValidateCertificate: boolean;
    AllowedServerCertificateThumbprints: string;
  };
}

export const webhookSettingsPatchSchema = z.looseObject({
  Enabled: z.boolean().optional(),
  SecretKey: z.string().nullable().optional(),
  Version: z.number().int().optional(),
  WebHook: z
    .looseObject({
      Url: z.string().nullable().optional(),
      ConnectTimeout: z.number().int().min(0).nullable().optional(),
      AuthMode: z.number().int().min(0).nullable().optional(),
      Login: z.string().nullable().optional(),
      Password: z.string().nullable().optional(),
      IsValidateCertificate: z.boolean().nullable().optional(),
      AllowedServerCertificateThumbprints: z.string().nullable().optional(),
    })
    .nullable()
    .optional(),
});
export type WebhookSettingsPatch = z.infer<typeof webhookSettingsPatchSchema>;

export function defaultWebhookSettings(secretKey: string): WebhookSettings {
  return {
    // Enabled by default so that setting a Url is enough; nothing is sent while Url is empty.
    Enabled: true,
    SecretKey: secretKey,
    Version: 0,
    WebHook: {
      Url: '',
      ConnectTimeout: 5,
      AuthMode: 0,
      Login: '',
      Password: '',
      IsValidateCertificate: true,
      AllowedServerCertificateThumbprints: '',
    },
  };
}

/** PUT semantics: fields present replace, absent ones keep their value; an empty SecretKey keeps the current one. */
export function applyWebhookSettings(current: WebhookSettings, patch: WebhookSettingsPatch): WebhookSettings {
  const hook = patch.WebHook ?? {};
  return {
    Enabled: patch.Enabled ?? current.Enabled,
    SecretKey: patch.SecretKey ? patch.SecretKey : current.SecretKey,
    Version: current.Version + 1,
    WebHook: {
      Url: hook.Url ?? current.WebHook.Url,
      ConnectTimeout: hook.ConnectTimeout ?? current.WebHook.ConnectTimeout,
      AuthMode: hook.AuthMode ?? current.WebHook.AuthMode,
      Login: hook.Login ?? current.WebHook.Login,
      Password: hook.Password ?? current.WebHook.Password,
      IsValidateCertificate: hook.IsValidateCertificate ?? current.WebHook.IsValidateCertificate,
      AllowedServerCertificateThumbprints:
        hook.AllowedServerCertificateThumbprints ?? current.WebHook.AllowedServerCertificateThumbprints,
    },
  };
}
