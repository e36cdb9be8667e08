// Path prefixes of the upstream services, exactly as the real host lays them out (docs/verified-api.md §1).
export const IDENTITY_PREFIX = '/IDCompleteBackendEngine/IdentityService/v1';
export const ADMIN_PREFIX = '/IDCompleteBackendEngine/Default/AdministrationServiceRest';
export const AUTHZ_PREFIX = '/IDCompleteBackendEngine/Default/AuthorizationServiceRest';
export const CONTROL_PREFIX = '/_emulator';
/** Page-internal API of the fake capture UI (absent from the real host, which has its own SPA backend). */
export const CAPTURE_API_PREFIX = '/_capture';

/**
 * The Administration Service is called both with and without `/v1` by public clients (PSD2 vs PY/TS),
 * so every Administration route is registered under both prefixes.
 */
export const ADMIN_PREFIXES = [ADMIN_PREFIX, `${ADMIN_PREFIX}/v1`] as const;

export const ENDPOINT_NAMES = [
  'token',
  'refresh',
  'beginBiometry',
  'endBiometry',
  'createOperation',
  'operationStatus',
  'operationResult',
  'createAccount',
  'getAccount',
  'deleteAccount',
  'proofedCredential',
  'bioCredential',
  'deleteCredential',
  'webhookSettings',
] as const;
export type EndpointName = (typeof ENDPOINT_NAMES)[number];
