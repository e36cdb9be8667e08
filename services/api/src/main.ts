import { createKafka, createRedis, ensureTopics } from '@verified-onboard/adapters';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type ApiConfig } from './config.js';
import { API_REDIS_OPTIONS } from './http/redis-errors.js';

let config: ApiConfig;
try {
  config = loadConfig();
} catch (error) {
  // One line per problem, naming the variable and never its value; 2 tells a supervisor not to retry blindly.
  if (error instanceof ConfigError) {
    process.stderr.write('refusing to start: invalid configuration\n');
    for (const issue of error.issues) process.stderr.write(`${issue.path}: ${issue.message}\n`);
    process.exit(2);
  }
  throw error;
}
// No offline queue: while Redis is unreachable a command fails at once and the request answers 503
// redis_unavailable with Retry-After, instead of waiting out reconnects and failing as a 500.
const redis = createRedis(
  config.redisUrl,
  { lazyConnect: false, ...API_REDIS_OPTIONS },
  { caFile: config.redisTlsCaFile },
);
const kafka = createKafka({
  brokers: config.kafkaBrokers,
  security: config.kafkaSecurity,
  clientId: 'verified-onboard-api',
});
const app = await buildApp(config, { redis, kafka });

closeWithGrace({ delay: config.shutdownGraceMs }, async ({ err, signal }) => {
  if (err) app.log.error({ err }, 'closing after an error');
  else app.log.info({ signal }, 'closing');
  await app.close();
  redis.disconnect();
});

await app.listen({ port: config.port, host: config.host });

// Creating missing topics is idempotent; it runs in the background so the api serves reads (and reports
// not-ready) while Kafka is still coming up, and a publish before it finishes answers 503 rather than hanging.
ensureTopics(kafka, config.topicPrefix).then(
  () => app.log.info({ prefix: config.topicPrefix }, 'Kafka topics ready'),
  (err: unknown) =>
    app.log.warn({ err }, 'could not ensure Kafka topics; publishing answers 503 until they exist'),
);
