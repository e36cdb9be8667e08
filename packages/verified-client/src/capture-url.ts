/**
 * The hosted capture UI's URL: `?i=` for operations (selfie, enrolment, proof), `?t=` for verification
 * transactions; mixing them up is the upstream's documented "common mistake". The secret is base64 and
 * contains `+`, `/` and `=`, so it must be encoded.
 */
export function captureUrl(
  host: string,
  kind: 'operation' | 'transaction',
  id: string,
  oneTimeSecret: string,
): string {
  if (!id) throw new TypeError('captureUrl: id is empty');
  if (!oneTimeSecret) throw new TypeError('captureUrl: oneTimeSecret is empty');
  const letter = kind === 'operation' ? 'i' : 't';
  const root = host.replace(/\/+$/, '');
  return `${root}/?${letter}=${encodeURIComponent(id)}&s=${encodeURIComponent(oneTimeSecret)}`;
}
