import { waitFor } from '@verified-onboard/devstack';
import { decodeEvent, type EventEnvelope, type EventType } from '@verified-onboard/events';
import { type Kafka } from '@verified-onboard/adapters';

/** An event as a collector saw it: the envelope plus where it was read from. */
export type Collected<T extends EventType = EventType> = EventEnvelope<T> & {
  topic: string;
  key: string | null;
};

/** Every event on some topics, from the beginning, decoded, with waits on what has arrived. */
export class Collector {
  readonly events: Collected[] = [];

  private constructor(private readonly consumer: ReturnType<Kafka['consumer']>) {}

  /** One consumer group per collector, joined before this returns (so nothing published later is missed). */
  static async start(kafka: Kafka, topics: string[], groupId: string): Promise<Collector> {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
    const collector = new Collector(consumer);
    await consumer.connect();
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    await consumer.run({
      eachMessage: ({ topic, message }) => {
        collector.events.push({ ...decodeEvent(message), topic, key: message.key?.toString() ?? null });
        return Promise.resolve();
      },
    });
    await waitFor('the collector to join its group', () => joined);
    return collector;
  }

  /** The events of one type (about one subject when given) collected so far. */
  ofType<T extends EventType>(type: T, subject?: string): Collected<T>[] {
    // The filter checks what TypeScript cannot follow through the conditional envelope type: e.type === type.
    return this.events.filter(
      (e) => e.type === type && (subject === undefined || e.subject === subject),
    ) as Collected<T>[];
  }

  /** Waits for the first event of `type` about `subject`. */
  first<T extends EventType>(type: T, subject: string): Promise<Collected<T>> {
    return waitFor(`${type} of ${subject}`, () => this.ofType(type, subject)[0]);
  }

  /** Waits until `count` events of `type` match `predicate`, and returns those seen by then. */
  atLeast<T extends EventType>(
    count: number,
    type: T,
    predicate: (event: Collected<T>) => boolean,
  ): Promise<Collected<T>[]> {
    return waitFor(`${count} ${type} events`, () => {
      const matching = this.ofType(type).filter(predicate);
      return matching.length >= count && matching;
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
