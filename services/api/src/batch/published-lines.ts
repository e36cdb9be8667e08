import type { Redis } from 'ioredis';

/**
 * The lines of a batch whose `enrollment.requested` Kafka acknowledged, as a Redis bitmap (bit `line`, SETBIT order:
 * most significant bit first). A resubmission reads it once and skips those lines.
 */

/** Whether `line` is marked in a bitmap read with GETBUFFER. */
export function isPublished(bitmap: Buffer, line: number): boolean {
  const byte = bitmap[line >> 3];
  return byte !== undefined && (byte & (0x80 >> (line & 7))) !== 0;
}

/**
 * Marks `lines` (ascending, as a chunk holds them) and renews the bitmap's TTL. The chunk's bits travel as one byte
 * range ORed in by a script, not as a BITFIELD field per line: four strings per line were most of a batch's garbage.
 */
export async function markPublished(
  redis: Redis,
  key: string,
  lines: number[],
  ttlSec: number,
): Promise<void> {
  const first = lines[0];
  const last = lines.at(-1);
  if (first === undefined || last === undefined) return;
  const offset = first >> 3;
  const bits = Buffer.alloc((last >> 3) - offset + 1);
  for (const line of lines) {
    const at = (line >> 3) - offset;
    bits[at] = (bits[at] as number) | (0x80 >> (line & 7));
  }
  await redis.eval(OR_RANGE, 1, key, offset, bits, ttlSec);
}

// ORs ARGV[2] into KEYS[1] from byte ARGV[1] on (missing bytes read as 0), then sets the TTL to ARGV[3] seconds.
const OR_RANGE = `local offset = tonumber(ARGV[1])
local bits = ARGV[2]
local current = redis.call('GETRANGE', KEYS[1], offset, offset + #bits - 1)
local merged = {}
for i = 1, #bits do
  merged[i] = string.char(bit.bor(string.byte(current, i) or 0, string.byte(bits, i)))
end
redis.call('SETRANGE', KEYS[1], offset, table.concat(merged))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`;
