/**
 * Redis keys that more than one package writes or reads (docs/architecture.md, the keys the api and the
 * worker share). `namespace` is RedisNamespaces.keys. A key one process alone owns stays with its builder
 * there (the worker's keys.ts, the api's enrollments/keys.ts), which takes the shared ones from here.
 */
export function sharedKeys(namespace: string) {
  return {
    /** The capture URL (it embeds the OneTimeSecret): the worker's begin step writes it, the api shows it. */
    captureUrlSecret: (enrollmentId: string) => `${namespace}:secret:capture-url:${enrollmentId}`,
    /** The TempId of a finished capture: the worker keeps it for the credential step. */
    tempIdSecret: (enrollmentId: string) => `${namespace}:secret:tempid:${enrollmentId}`,
    /** Tenant that created an upstream account: the worker writes it, the api admits recapture only to it. */
    accountOwner: (accountNumber: string) => `${namespace}:account-owner:${accountNumber}`,
    /** The api's record of an accepted enrollment until the read model has it. */
    accepted: (enrollmentId: string) => `${namespace}:accepted:${enrollmentId}`,
    /** Prefix the read model's keyspaces derive from (ReadModel `basePrefix`). */
    readModelBase: `${namespace}:`,
    /** Prefix of imported selfies (SelfieVault `prefix`): the api writes, the worker reads. */
    selfieVault: `${namespace}:`,
    /** Prefix of the shared upstream token cache (RedisTokenStore `keyPrefix`). */
    upstreamTokens: `${namespace}:verified-token:`,
  };
}

export type SharedKeys = ReturnType<typeof sharedKeys>;
