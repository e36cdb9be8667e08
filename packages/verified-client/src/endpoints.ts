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
