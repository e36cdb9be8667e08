import { describe, expect, it } from 'vitest';
import type { Principal, Scope } from '../src/auth/api-keys.js';
import { ownershipRefusal } from '../src/enrollments/admission.js';
import { enrollmentRequestSchema } from '../src/enrollments/schemas.js';

const principal = (tenant: string, ...scopes: Scope[]): Principal => ({
  keyId: `${tenant}-key`,
  tenant,
  scopes: new Set<Scope>(['enrollments:write', ...scopes]),
});
const request = (mode: 'capture' | 'import' | 'recapture') =>
  enrollmentRequestSchema.parse({
    displayName: 'A',
    accountNumber: 'acct-1',
    mode,
    ...(mode === 'import' ? { selfie: { data: 'aGk=' } } : {}),
  });
const codeOf = (p: Principal, mode: 'capture' | 'import' | 'recapture', owner: string | null) =>
  ownershipRefusal(p, request(mode), owner)?.code ?? 'admitted';

describe('the rule on existing accounts (one table for single requests and batch lines)', () => {
  const writer = principal('acme');
  const recapturer = principal('acme', 'enrollments:recapture');
  it.each([
    // mode, owner, writer's answer, recapture key's answer
    ['capture', null, 'admitted', 'admitted'],
    ['capture', 'acme', 'admitted', 'admitted'],
    ['capture', 'globex', 'account_not_owned', 'account_not_owned'],
    ['import', null, 'admitted', 'admitted'],
    ['import', 'acme', 'recapture_forbidden', 'admitted'],
    ['import', 'globex', 'recapture_forbidden', 'account_not_owned'],
    ['recapture', null, 'recapture_forbidden', 'account_not_owned'],
    ['recapture', 'acme', 'recapture_forbidden', 'admitted'],
    ['recapture', 'globex', 'recapture_forbidden', 'account_not_owned'],
  ] as const)('%s on an account owned by %s: %s / %s', (mode, owner, withoutScope, withScope) => {
    expect(codeOf(writer, mode, owner)).toBe(withoutScope);
    expect(codeOf(recapturer, mode, owner)).toBe(withScope);
  });

  it('an operator key gets no exception: recapture is done for a tenant, by its own keys', () => {
    const operator = principal('default', 'ops', 'enrollments:recapture');
    expect(codeOf(operator, 'recapture', 'acme')).toBe('account_not_owned');
  });
});
