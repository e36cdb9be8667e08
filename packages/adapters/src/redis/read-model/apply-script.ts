import { LuaScript } from '../lua-script.js';

// Compare-and-set of one enrollment's projection plus its secondary indexes, in one atomic step.
// The fold runs in TypeScript (one implementation of the state machine); Lua only checks that nobody
// wrote the enrollment since it was read (field `v` = version) and writes everything together.
//
// KEYS: 1 enrollment hash, 2 batch counts hash, 3 failed zset, 4 failed meta hash
// ARGV: 1 expected v ('' = absent), 2 compressed record ('' = unchanged), 3 new v,
//       4 old status ('' = new), 5 new status, 6 '1' when the enrollment belongs to a batch,
//       7 'add'|'remove'|'' failed index, 8 enrollment id, 9 failed score (ms), 10 failed meta json,
//       11 events held back for a sequence gap ('' = none), 12 the enrollment's tenant when the hash has none
//       yet ('' = has one, or not known yet), 13 '1' when the hash holds events held back before,
//       14 '1' when the hash holds the JSON fields 'state' and 'events' of records written before compression
// The tenant is kept beside the record (field 'tenant', and on the batch hash) so ownership is checked
// without unpacking the record; it is written once, since an enrollment never changes tenant.
// Every field of the enrollment goes in one HSET, and a field is deleted only where the caller saw it: the
// projection's cost per event is most of the Redis commands an enrollment costs (docs/benchmarks.md).
export const applyScript = new LuaScript(`
local cur = redis.call('HGET', KEYS[1], 'v')
if (cur or '') ~= ARGV[1] then return 0 end
local fields = {'v', ARGV[3]}
if ARGV[2] ~= '' then
  fields[#fields + 1] = 'r'
  fields[#fields + 1] = ARGV[2]
  if ARGV[14] == '1' then redis.call('HDEL', KEYS[1], 'state', 'events') end
end
if ARGV[11] ~= '' then
  fields[#fields + 1] = 'p'
  fields[#fields + 1] = ARGV[11]
elseif ARGV[13] == '1' then
  redis.call('HDEL', KEYS[1], 'p')
end
if ARGV[12] ~= '' then
  fields[#fields + 1] = 'tenant'
  fields[#fields + 1] = ARGV[12]
  if ARGV[6] == '1' then redis.call('HSETNX', KEYS[2], 'tenant', ARGV[12]) end
end
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[6] == '1' and ARGV[5] ~= '' then
  if ARGV[4] == '' then redis.call('HINCRBY', KEYS[2], 'total', 1) end
  if ARGV[4] ~= ARGV[5] then
    if ARGV[4] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[4], -1) end
    redis.call('HINCRBY', KEYS[2], ARGV[5], 1)
  end
end
if ARGV[7] == 'add' then
  redis.call('ZADD', KEYS[3], ARGV[9], ARGV[8])
  redis.call('HSET', KEYS[4], ARGV[8], ARGV[10])
elseif ARGV[7] == 'remove' then
  redis.call('ZREM', KEYS[3], ARGV[8])
  redis.call('HDEL', KEYS[4], ARGV[8])
end
return 1
`);
