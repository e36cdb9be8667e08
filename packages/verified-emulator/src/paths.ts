import { EMULATOR_CONTROL_PREFIX, UPSTREAM_PREFIXES } from '@verified-onboard/contracts';

// The upstream paths and endpoint names are the client's too: one definition in the contracts package.
export { ENDPOINT_NAMES, type EndpointName } from '@verified-onboard/contracts';
export const IDENTITY_PREFIX = UPSTREAM_PREFIXES.identity;
export const ADMIN_PREFIX = UPSTREAM_PREFIXES.admin;
export const AUTHZ_PREFIX = UPSTREAM_PREFIXES.authz;
export const CONTROL_PREFIX = EMULATOR_CONTROL_PREFIX;
/** Page-internal API of the fake capture UI (absent from the real host, which has its own SPA backend). */
export const CAPTURE_API_PREFIX = '/_capture';

/**
 * The Administration Service is called both with and without `/v1` by public clients (PSD2 vs PY/TS),
 * so every Administration route is registered under both prefixes.
 */
export const ADMIN_PREFIXES = [ADMIN_PREFIX, `${ADMIN_PREFIX}/v1`] as const;
