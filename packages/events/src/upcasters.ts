import { UpcasterRegistrationError } from './errors.js';
import { isEventType } from './event-types.js';
import type { RawEnvelope } from './envelope.js';

/**
 * Evolution rule: additive changes (new optional fields) are made in place under the same type. A breaking
 * change publishes a new type `...vN+1` and registers an upcaster from the old type, so events already in
 * the log (the source of truth, retained forever) are lifted to the current shape before validation and fold.
 */
export interface Upcaster {
  from: string;
  to: string;
  upcast(data: unknown, envelope: RawEnvelope): unknown;
}

const MAX_HOPS = 32;

export class UpcasterRegistry {
  private readonly byFrom = new Map<string, Upcaster>();

  register(upcaster: Upcaster): this {
    if (isEventType(upcaster.from)) {
      throw new UpcasterRegistrationError(
        `${upcaster.from} is a current event type; only superseded types can be upcast`,
      );
    }
    if (this.byFrom.has(upcaster.from))
      throw new UpcasterRegistrationError(`an upcaster from ${upcaster.from} is already registered`);
    let next: string | undefined = upcaster.to;
    for (let hops = 0; next !== undefined; hops++) {
      if (next === upcaster.from || hops > MAX_HOPS)
        throw new UpcasterRegistrationError(`upcaster ${upcaster.from} -> ${upcaster.to} would form a cycle`);
      next = this.byFrom.get(next)?.to;
    }
    this.byFrom.set(upcaster.from, upcaster);
    return this;
  }

  has(type: string): boolean {
    return this.byFrom.has(type);
  }

  /** Lifts an envelope through the chain of upcasters until its type has none; id and other attributes are kept. */
  upcast(envelope: RawEnvelope): RawEnvelope {
    let current = envelope;
    for (let u = this.byFrom.get(current.type); u; u = this.byFrom.get(current.type)) {
      current = { ...current, type: u.to, data: u.upcast(current.data, current) };
    }
    return current;
  }
}

/** The catalogue's upcasters. Empty while every type is at v1; new versions register theirs here. */
export const upcasters = new UpcasterRegistry();
