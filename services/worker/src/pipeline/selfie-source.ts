/**
 * Where the credential step reads an import's selfie: the api stored it encrypted with a TTL
 * (SelfieVault from @verified-onboard/events). Returns null when it is gone.
 */
export interface SelfieSource {
  get(ref: string, digest: string): Promise<Buffer | null>;
}
