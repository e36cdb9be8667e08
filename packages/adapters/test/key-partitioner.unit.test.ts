import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KeyPartitioner, murmur2 } from '../src/kafka/key-partitioner.js';

const metadata = (count: number, leaderless: number[] = []): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));

describe('KeyPartitioner', () => {
  it("gives every key the partition kafkajs's DefaultPartitioner gives it", () => {
    const ours = KeyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    // Every tail length (length % 4), non-ASCII text, binary keys, and the UUIDs our events are keyed by.
    const keys: (string | Buffer)[] = ['', 'a', 'ab', 'abc', 'abcd', 'ünïcødé-ключ', '😀x'];
    for (let i = 0; i < 2000; i++) keys.push(randomUUID(), randomBytes(i % 41), `op-${i}`);
    for (const partitions of [1, 3, 12, 64]) {
      const partitionMetadata = metadata(partitions);
      for (const key of keys) {
        const args = { topic: 't', partitionMetadata, message: { key, value: null } };
        expect(ours(args)).toBe(theirs(args));
      }
    }
  });

  it('keeps an explicit partition and spreads keyless messages over partitions with a leader', () => {
    const partition = KeyPartitioner();
    const partitionMetadata = metadata(4, [1, 3]);
    expect(
      partition({ topic: 't', partitionMetadata, message: { key: 'k', value: null, partition: 3 } }),
    ).toBe(3);
    const chosen = new Set(
      Array.from({ length: 8 }, () => partition({ topic: 't', partitionMetadata, message: { value: null } })),
    );
    expect([...chosen].sort()).toEqual([0, 2]);
  });

  it("matches the Java client's murmur2 on known values", () => {
    // Values from Kafka's own UtilsTest#testMurmur2.
    expect(murmur2(Buffer.from('21', 'utf8'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar', 'utf8'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string', 'utf8'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string', 'utf8'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', 'utf8'))).toBe(-58897971);
    expect(murmur2(Buffer.from([0x61, 0x62, 0x63]))).toBe(479470107);
  });
});
