import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startWorker } from './worker-app.js';

// Process entry: several of these run side by side; each stops gracefully on SIGTERM/SIGINT.
let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  // One line per problem, naming the variable and never its value; 2 tells a supervisor not to retry blindly.
  if (error instanceof ConfigError) {
    process.stderr.write('refusing to start: invalid worker configuration\n');
    for (const issue of error.issues) process.stderr.write(`${issue}\n`);
    process.exit(2);
  }
  throw error;
}
const logger = createLogger({ level: config.logLevel });
if (config.devDefaultsInUse.length > 0) {
  logger.warn(
    { devDefaults: config.devDefaultsInUse },
    `ALLOW_DEV_DEFAULTS: development stand-ins in use for ${config.devDefaultsInUse.join(', ')}; never deploy this`,
  );
}
const app = await startWorker(config, { logger });

closeWithGrace({ delay: config.shutdownTimeoutMs + 5_000, logger: false }, async ({ signal, err }) => {
  if (err) logger.error({ err: { message: err.message, stack: err.stack } }, 'fatal error, shutting down');
  else logger.info({ signal }, 'shutting down');
  await app.stop();
});
