import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../emulator-context.js';
import { endpoint } from '../endpoint.js';
import { newOneTimeSecret } from '../ids.js';
import { applyWebhookSettings, webhookSettingsPatchSchema } from '../state/webhook-settings.js';

/** Tenant-wide webhook settings (§3.9): GET, PUT, and regenerate the SecretKey. */
export function registerWebhookSettingsRoutes(
  app: FastifyInstance,
  ctx: EmulatorContext,
  prefix: string,
): void {
  const { state } = ctx;
  app.get(
    `${prefix}/settings/webhook`,
    endpoint(ctx, 'webhookSettings', { auth: true }, () => ({ body: state.webhookSettings })),
  );
  app.put(
    `${prefix}/settings/webhook`,
    endpoint(ctx, 'webhookSettings', { auth: true }, (request) => {
      const patch = webhookSettingsPatchSchema.parse(request.body ?? {});
      state.webhookSettings = applyWebhookSettings(state.webhookSettings, patch);
      return { body: state.webhookSettings };
    }),
  );
  app.post(
    `${prefix}/settings/webhook/secret`,
    endpoint(ctx, 'webhookSettings', { auth: true }, () => {
      state.webhookSettings = {
        ...state.webhookSettings,
        SecretKey: newOneTimeSecret(),
        Version: state.webhookSettings.Version + 1,
      };
      return { body: state.webhookSettings };
    }),
  );
}
