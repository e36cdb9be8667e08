import { z } from 'zod';

/** The tenant of everything made before tenants existed, and of a key whose `API_KEYS` entry names none. */
export const DEFAULT_TENANT = 'default';

/** Tenant names go into Redis keys and event data, so they are short and plain. */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const tenantSchema = z
  .string()
  .regex(TENANT_PATTERN, `must match ${TENANT_PATTERN.source}`)
  .describe('Tenant that owns the enrollment (the tenant of the API key that submitted it).');

/** Events written before tenants carry none: they belong to the default tenant. */
export const tenantOf = (data: { tenant?: string | undefined }): string => data.tenant ?? DEFAULT_TENANT;
