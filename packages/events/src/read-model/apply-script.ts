import { LuaScript } from './lua-script.js';

// Compare-and-set of one enrollment's projection plus its secondary indexes, in one atomic step.
// The fold runs in TypeScript (one implementation of the state machine); Lua only checks that nobody
// wrote the enrollment since it was read (field `v` = version) and writes everything together.
//
// KEYS: 1 enrollment hash, 2 batch counts hash, 3 failed zset, 4 failed meta hash
// ARGV: 1 expected v ('' = absent), 2 state json, 3 events json, 4 new v, 5 old status ('' = new),
//       6 new status, 7 '1' when the enrollment belongs to a batch, 8 'add'|'remove'|'' failed index,
//       9 enrollment id, 10 failed score (ms), 11 failed meta json,
//       12 events held back for a sequence gap ('' = none), state and events '' = unchanged
export const applyScript = new LuaScript(`
local cur = redis.call('HGET', KEYS[1], 'v')
if (cur or '') ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'state', ARGV[2], 'events', ARGV[3]) end
redis.call('HSET', KEYS[1], 'v', ARGV[4])
if ARGV[12] == '' then redis.call('HDEL', KEYS[1], 'p') else redis.call('HSET', KEYS[1], 'p', ARGV[12]) end
if ARGV[7] == '1' and ARGV[6] ~= '' then
  if ARGV[5] == '' then redis.call('HINCRBY', KEYS[2], 'total', 1) end
  if ARGV[5] ~= ARGV[6] then
    if ARGV[5] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[5], -1) end
    redis.call('HINCRBY', KEYS[2], ARGV[6], 1)
  end
end
if ARGV[8] == 'add' then
  redis.call('ZADD', KEYS[3], ARGV[10], ARGV[9])
  redis.call('HSET', KEYS[4], ARGV[9], ARGV[11])
elseif ARGV[8] == 'remove' then
  redis.call('ZREM', KEYS[3], ARGV[9])
  redis.call('HDEL', KEYS[4], ARGV[9])
end
return 1
`);
