import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startWorker } from './worker-app.js';

// Process entry: several of these run side by side; each stops gracefully on SIGTERM/SIGINT.
let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
const logger = createLogger({ level: config.logLevel });
const app = await startWorker(config, { logger });

closeWithGrace({ delay: config.shutdownTimeoutMs + 5_000, logger: false }, async ({ signal, err }) => {
  if (err) logger.error({ err: { message: err.message, stack: err.stack } }, 'fatal error, shutting down');
  else logger.info({ signal }, 'shutting down');
  await app.stop();
});
