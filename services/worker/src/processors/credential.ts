import { CredentialAlreadyExistsError } from '@verified-onboard/verified-client';
import { CredentialConflictError, SelfieUnavailableError, TempIdTooOldError } from '../errors.js';
import { TEMPID_LIFETIME_MS } from '../pipeline/secrets.js';
import { ownsExisting } from '../stores/effect-intents.js';
import { requestOf } from '../pipeline/request-source.js';
import type { StepContext, StepJob, StepResult } from '../pipeline/step-contract.js';

/**
 * Binds the selfie to the account: the captured TempId (capture, recapture) or the stored image
 * (import). Recapture replaces the account's credential: delete, then create, and only here, after
 * the new capture was accepted. "Already exists" is success only under our own intent.
 */
export async function credentialStep(job: StepJob, ctx: StepContext): Promise<StepResult> {
  const { enrollmentId } = job.data;
  const request = await requestOf(job, ctx.requests);
  const accountNumber = request.accountNumber;
  let kind: 'proofed' | 'biometric';
  let replacedPrevious = false;

  if (request.mode === 'import') {
    kind = 'biometric';
    const selfie = request.selfie;
    if (!selfie)
      throw new SelfieUnavailableError(`enrollment ${enrollmentId} (import) has no selfie reference`);
    const image = await ctx.selfies.get(selfie.ref, selfie.digest);
    if (!image)
      throw new SelfieUnavailableError(
        `the selfie of enrollment ${enrollmentId} is no longer stored (its TTL elapsed)`,
      );
    const claim = await ctx.intents.claimCredential(accountNumber, enrollmentId, { takeOver: false });
    await createOrAdopt(ownsExisting(claim), accountNumber, () =>
      ctx.client.createBiometricCredential(accountNumber, {
        data: image.toString('base64'),
        dataType: selfie.dataType,
      }),
    );
  } else {
    kind = 'proofed';
    const stored = await ctx.secrets.tempId(enrollmentId);
    if (!stored || ctx.now() - stored.obtainedAt >= TEMPID_LIFETIME_MS) {
      throw new TempIdTooOldError(
        `the TempId of enrollment ${enrollmentId} is older than 72 hours (or gone): a new capture is needed`,
      );
    }
    if (request.mode === 'recapture') {
      const claim = await ctx.intents.claimCredential(accountNumber, enrollmentId, { takeOver: true });
      // The marker keeps a re-run (crash after the create) from deleting the credential it just made.
      if (!(await ctx.intents.credentialReplaced(enrollmentId))) {
        await ctx.client.deleteBiometricCredential(accountNumber);
        await ctx.intents.markCredentialReplaced(enrollmentId);
      }
      replacedPrevious = true;
      // After our own delete, an existing credential is our earlier create (a re-run), unless this attempt
      // only just took the intent over.
      await createOrAdopt(ownsExisting(claim), accountNumber, () =>
        ctx.client.createProofedBiometricCredential(accountNumber, stored.tempId),
      );
    } else {
      const claim = await ctx.intents.claimCredential(accountNumber, enrollmentId, { takeOver: false });
      await createOrAdopt(ownsExisting(claim), accountNumber, () =>
        ctx.client.createProofedBiometricCredential(accountNumber, stored.tempId),
      );
    }
  }

  return {
    kind: 'observed',
    observation: { type: 'CredentialAttached', accountNumber, kind, replacedPrevious },
  };
}

async function createOrAdopt(
  adoptExisting: boolean,
  accountNumber: string,
  create: () => Promise<void>,
): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!(error instanceof CredentialAlreadyExistsError)) throw error;
    if (!adoptExisting)
      throw new CredentialConflictError(
        `account ${accountNumber} already has a credential this enrollment did not create`,
      );
  }
}
