import { tenantOf } from '@verified-onboard/events';
import { AccountAlreadyExistsError } from '@verified-onboard/verified-client';
import { AccountConflictError } from '../errors.js';
import { ownsExisting } from '../stores/effect-intents.js';
import { requestOf } from '../pipeline/request-source.js';
import type { StepContext, StepJob, StepResult } from '../pipeline/step-contract.js';

/**
 * CreateAccount. The intent is recorded first; "already exists" is success only when an earlier attempt
 * of this enrollment recorded it (our own effect, e.g. a crash or timeout after the call), otherwise the enrollment fails with
 * account_conflict instead of silently adopting someone else's account.
 */
export async function accountStep(job: StepJob, ctx: StepContext): Promise<StepResult> {
  const { enrollmentId } = job.data;
  const request = await requestOf(job, ctx.requests);
  const accountNumber = request.accountNumber;
  const claim = await ctx.intents.claimAccount(accountNumber, enrollmentId);
  let alreadyExisted = false;
  try {
    await ctx.client.createAccount({
      accountNumber,
      displayName: request.displayName,
      ...(request.customDisplayName !== undefined && { customDisplayName: request.customDisplayName }),
      ...(request.description !== undefined && { description: request.description }),
      ...(request.email !== undefined && { email: request.email }),
      ...(request.phoneNumber !== undefined && { phoneNumber: request.phoneNumber }),
    });
    // We made it even though an older intent named someone else (who never got there): it is ours now.
    if (!claim.ours) await ctx.intents.takeOverAccount(accountNumber, enrollmentId);
  } catch (error) {
    if (!(error instanceof AccountAlreadyExistsError)) throw error;
    if (!ownsExisting(claim)) {
      throw new AccountConflictError(
        `account ${accountNumber} already exists and was not created by this enrollment`,
      );
    }
    alreadyExisted = true;
  }
  // Only reached when the account is this enrollment's own effect, so its tenant owns it.
  await ctx.intents.recordAccountTenant(accountNumber, tenantOf(request));
  return { kind: 'observed', observation: { type: 'AccountConfirmed', accountNumber, alreadyExisted } };
}
