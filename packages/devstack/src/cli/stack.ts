// `npm run up | down | status`: the local stack (Redis if none answers, Kafka, emulator, api, worker);
// `npm run up -- --redis-cluster` runs it on a 3-master Redis Cluster instead of the single Redis.
import { stackDown, stackStatus, stackUp } from '../stack.js';

const say = (line: string) => console.log(line);
const [command, ...options] = process.argv.slice(2);
const usage =
  'usage: npm run up [-- --redis-cluster] | npm run down | npm run status   (the local stack: docs/infrastructure.md)';
try {
  if (options.includes('--help') || options.includes('-h')) say(usage);
  else if (command === 'up')
    await stackUp(say, undefined, { redisCluster: options.includes('--redis-cluster') });
  else if (command === 'down') await stackDown(say);
  else if (command === 'status') process.exitCode = (await stackStatus(say)) ? 0 : 1;
  else {
    console.error(usage);
    process.exitCode = 2;
  }
} catch (error) {
  console.error(`[stack] ${(error as Error).message}`);
  process.exitCode = 1;
}
