import { execBySlot, groupBySlot, type SlotCommand } from '@verified-onboard/adapters';
import type { Redis } from 'ioredis';

/** A claim to take with SET NX: its key, its value, how long it lives. */
export interface ClaimToTake {
  key: string;
  value: string;
  ttlSec: number;
}

export interface OwnersAndClaims {
  /** The value of each owner key (null where unset). */
  owners: (string | null)[];
  /** Whether each claim was taken (false where another holder has it, or its command failed). */
  taken: boolean[];
  /** The first error a command was answered with: the caller gives back what was taken, then fails. */
  failure: Error | undefined;
}

/**
 * Reads the owner keys (MGET) and takes the claims (SET NX, in the order given, which decides which of two
 * claims on one key wins), grouped by hash slot and sent as one pipeline per node. One server: one MGET and one
 * script, one round trip. A cluster, where a multi-key command names keys of one slot: a command per slot (a
 * plain SET NX for a slot with one claim, the usual case), still one round trip per node, all nodes at once.
 */
export async function ownersAndClaims(
  redis: Redis,
  ownerKeys: string[],
  claims: ClaimToTake[],
): Promise<OwnersAndClaims> {
  const ownerGroups = groupBySlot(redis, ownerKeys);
  const claimGroups = groupBySlot(
    redis,
    claims.map((claim) => claim.key),
  );
  const replies = await execBySlot(redis, [
    ...ownerGroups.map((group): SlotCommand => {
      const keys = group.map((i) => ownerKeys[i] as string);
      return { key: keys[0] as string, add: (pipeline) => pipeline.mget(keys) };
    }),
    ...claimGroups.map((group): SlotCommand => {
      const taking = group.map((i) => claims[i] as ClaimToTake);
      const [only] = taking;
      if (only && taking.length === 1)
        return {
          key: only.key,
          add: (pipeline) => pipeline.set(only.key, only.value, 'EX', only.ttlSec, 'NX'),
        };
      const args = taking.flatMap((claim) => [claim.ttlSec, claim.value]);
      const keys = taking.map((claim) => claim.key);
      return {
        key: keys[0] as string,
        add: (pipeline) => pipeline.eval(CLAIM_ALL, keys.length, ...keys, ...args),
      };
    }),
  ]);
  const owners = ownerKeys.map((): string | null => null);
  const taken = claims.map(() => false);
  ownerGroups.forEach((group, at) => {
    const reply = replies[at];
    if (reply?.ok)
      (reply.value as (string | null)[]).forEach((value, j) => (owners[group[j] as number] = value));
  });
  claimGroups.forEach((group, at) => {
    const reply = replies[ownerGroups.length + at];
    if (!reply?.ok) return;
    const flags = Array.isArray(reply.value) ? (reply.value as number[]) : [reply.value === 'OK' ? 1 : 0];
    flags.forEach((flag, j) => (taken[group[j] as number] = flag === 1));
  });
  const failed = replies.find((reply) => !reply.ok);
  return { owners, taken, failure: failed && !failed.ok ? failed.error : undefined };
}

// SET NX of every KEYS[i] to ARGV[2i] with the TTL ARGV[2i - 1] seconds, in order; 1 where taken, 0 where held.
const CLAIM_ALL = `local taken = {}
for i, key in ipairs(KEYS) do
  taken[i] = redis.call('SET', key, ARGV[2 * i], 'EX', ARGV[2 * i - 1], 'NX') and 1 or 0
end
return taken`;
