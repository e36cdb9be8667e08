import { EMULATOR_DEFAULTS } from './options.js';
import { startEmulator } from './server.js';

// Standalone emulator: `npm run emulator`.
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(
    'usage: npm run emulator   (env: EMULATOR_PORT, default 4010; EMULATOR_HOST, default 127.0.0.1; docs/emulator.md)',
  );
  process.exit(0);
}
const rawPort = process.env.EMULATOR_PORT;
const port = rawPort === undefined || rawPort === '' ? EMULATOR_DEFAULTS.port : Number(rawPort);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`EMULATOR_PORT must be a TCP port, got '${rawPort}'`);
  process.exit(2);
}

const emulator = await startEmulator({ port, host: process.env.EMULATOR_HOST || '127.0.0.1' });
console.log(
  `verified-emulator listening on ${emulator.baseUrl} (control API at ${emulator.baseUrl}/_emulator)`,
);

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  console.log(`verified-emulator: ${signal}, closing`);
  emulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('verified-emulator: close failed', error);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
