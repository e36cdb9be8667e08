import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../emulator-context.js';
import { ADMIN_PREFIXES } from '../paths.js';
import { registerAccountRoutes } from './admin-accounts.js';
import { registerForeignOperationRoutes } from './admin-foreign-operations.js';
import { registerWebhookSettingsRoutes } from './admin-webhook-settings.js';

/** Administration Service, served both with and without `/v1` (§1, §9 #6). */
export function registerAdminRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  for (const prefix of ADMIN_PREFIXES) {
    registerAccountRoutes(app, ctx, prefix);
    registerForeignOperationRoutes(app, ctx, prefix);
    registerWebhookSettingsRoutes(app, ctx, prefix);
  }
}
