import calculateSlot from 'cluster-key-slot';
import type { ChainableCommander, Redis } from 'ioredis';

/** A command over keys of one hash slot, added to the pipeline it is sent in. */
export interface SlotCommand {
  /** One of the command's keys: they all hash to its slot. */
  key: string;
  add(pipeline: ChainableCommander): void;
}

/** What one command gave: its reply, or the error Redis (or the connection) answered it with. */
export type SlotReply = { ok: true; value: unknown } | { ok: false; error: Error };

const isCluster = (redis: Redis) => (redis as { isCluster?: boolean }).isCluster === true;

/**
 * The indexes of `keys` grouped by hash slot, each group in ascending order, the groups in order of their first
 * key. On one server every key is in one group: a multi-key command there may name any keys.
 */
export function groupBySlot(redis: Redis, keys: string[]): number[][] {
  if (!isCluster(redis)) return keys.length === 0 ? [] : [keys.map((_, i) => i)];
  const groups = new Map<number, number[]>();
  keys.forEach((key, i) => {
    const slot = calculateSlot(key);
    const group = groups.get(slot);
    if (group) group.push(i);
    else groups.set(slot, [i]);
  });
  return [...groups.values()];
}

/**
 * Sends commands of many slots in one pipeline per Redis node, all nodes at once: a batch costs one round trip
 * per node, on a cluster as on one server. On a cluster a pipeline may only hold keys of one node (ioredis), so
 * the commands are grouped by the node that serves their slot now; should the slot map change meanwhile, the
 * commands of that pipeline answer with an error, and the caller decides (nothing is retried here: a command
 * may have run).
 */
export async function execBySlot(redis: Redis, commands: SlotCommand[]): Promise<SlotReply[]> {
  if (commands.length === 0) return [];
  const slots = isCluster(redis) ? (redis as unknown as { slots: string[][] }).slots : undefined;
  const byNode = new Map<string, number[]>();
  commands.forEach((command, i) => {
    const node = slots ? (slots[calculateSlot(command.key)]?.join(',') ?? `?${i}`) : '';
    const group = byNode.get(node);
    if (group) group.push(i);
    else byNode.set(node, [i]);
  });
  const replies: SlotReply[] = new Array<SlotReply>(commands.length);
  await Promise.all(
    [...byNode.values()].map(async (indexes) => {
      const pipeline = redis.pipeline();
      for (const i of indexes) commands[i]?.add(pipeline);
      try {
        const results = (await pipeline.exec()) ?? [];
        indexes.forEach((commandAt, at) => {
          const [error, value] = results[at] ?? [new Error('no reply'), null];
          replies[commandAt] = error ? { ok: false, error } : { ok: true, value };
        });
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const i of indexes) replies[i] = { ok: false, error: failure };
      }
    }),
  );
  return replies;
}
