// `npm run up | down | status`: the local stack (Redis if none answers, Kafka, emulator, api, worker).
import { stackDown, stackStatus, stackUp } from '../stack.js';

const say = (line: string) => console.log(line);
const command = process.argv[2];
try {
  if (command === 'up') await stackUp(say);
  else if (command === 'down') await stackDown(say);
  else if (command === 'status') process.exitCode = (await stackStatus(say)) ? 0 : 1;
  else {
    console.error('usage: stack up|down|status');
    process.exitCode = 2;
  }
} catch (error) {
  console.error(`[stack] ${(error as Error).message}`);
  process.exitCode = 1;
}
