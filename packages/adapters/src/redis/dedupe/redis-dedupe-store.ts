import type { Redis } from 'ioredis';
import type { DedupeStore } from './dedupe-store.js';

export interface RedisDedupeStoreOptions {
  /** Key prefix, one per consumer group, e.g. `vo:dedupe:projector:`. */
  prefix: string;
  /** How long an id is remembered (default 7 days, the hint topic's retention). */
  ttlSec?: number;
}

/** Shared across a group's members, so a partition moving to another process keeps its memory. */
export class RedisDedupeStore implements DedupeStore {
  private readonly prefix: string;
  private readonly ttlSec: number;

  constructor(
    private readonly redis: Redis,
    options: RedisDedupeStoreOptions,
  ) {
    this.prefix = options.prefix;
    this.ttlSec = options.ttlSec ?? 7 * 24 * 60 * 60;
  }

  key(id: string): string {
    return this.prefix + id;
  }

  async has(id: string): Promise<boolean> {
    return (await this.redis.exists(this.key(id))) === 1;
  }

  async add(id: string): Promise<void> {
    await this.redis.set(this.key(id), '1', 'EX', this.ttlSec, 'NX');
  }

  /** Atomic check-and-add: true when the id was new. */
  async claim(id: string): Promise<boolean> {
    return (await this.redis.set(this.key(id), '1', 'EX', this.ttlSec, 'NX')) === 'OK';
  }
}
