import type { Principal } from '../auth/api-keys.js';
import {
  requestFingerprint,
  type AdmissionRules,
  type Held,
  type Refusal,
} from '../enrollments/admission.js';
import type { EnrollmentRequest } from '../enrollments/schemas.js';
import type { Rejection } from './batch-ingestor.js';

export interface BatchLine {
  line: number;
  enrollmentId: string;
  request: EnrollmentRequest;
}

export type LineDecision =
  { admitted: true; line: BatchLine; held: Held[] } | { admitted: false; rejection: Rejection };

// A batch has no one to answer "here is the existing enrollment" to, so every refusal rejects the line.
const LINE_REJECTIONS: Record<Refusal['code'], { code: string; field: string }> = {
  recapture_forbidden: { code: 'recapture_forbidden', field: 'mode' },
  account_not_owned: { code: 'account_not_owned', field: 'accountNumber' },
  account_active: { code: 'account_active', field: 'accountNumber' },
  // Only the account claim can be in progress: a line racing another line (or request) for the same account.
  request_in_progress: { code: 'account_active', field: 'accountNumber' },
  external_ref_exists: { code: 'external_ref_exists', field: 'externalRef' },
};

/**
 * Admits a chunk of batch lines through the same rules as a single request (AdmissionRules.admitMany: one pipelined
 * round trip for the chunk, and in line order, so of two lines claiming one account the earlier wins).
 */
export async function admitLines(
  rules: AdmissionRules,
  principal: Principal,
  lines: BatchLine[],
): Promise<LineDecision[]> {
  const admissions = await rules.admitMany(
    lines.map((line) => ({
      principal,
      enrollmentId: line.enrollmentId,
      request: line.request,
      fingerprint: requestFingerprint(line.request),
    })),
  );
  return admissions.map((admission, i): LineDecision => {
    const line = lines[i] as BatchLine;
    if (admission.admitted) return { admitted: true, line, held: admission.held };
    const { code, field } = LINE_REJECTIONS[admission.refusal.code];
    return {
      admitted: false,
      rejection: { line: line.line, code, field, message: admission.refusal.message },
    };
  });
}
