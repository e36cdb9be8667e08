/**
 * The upstream (Verified) surface the client calls and the emulator serves. Both import it from here so
 * that neither depends on the other.
 */

/** Names of the upstream calls, used in errors, metrics (`onCall`) and logs. */
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

// Path prefixes of the upstream services, exactly as the real host lays them out (docs/verified-api.md §1).
export const UPSTREAM_PREFIXES = {
  identity: '/IDCompleteBackendEngine/IdentityService/v1',
  admin: '/IDCompleteBackendEngine/Default/AdministrationServiceRest',
  authz: '/IDCompleteBackendEngine/Default/AuthorizationServiceRest',
};

/** The emulator's control API (scenarios, counters), absent from the real host. */
export const EMULATOR_CONTROL_PREFIX = '/_emulator';
