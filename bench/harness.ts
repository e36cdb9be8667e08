// The benchmark's own isolated stack and the measuring tools every figure shares. Nothing here touches a
// developer's stack: a private Redis and Kafka on free ports, state in a private VO_LOCAL_DIR, and per-figure
// QUEUE_PREFIX / KAFKA_TOPIC_PREFIX so one figure's leftovers never feed another figure's worker.
// The pieces live in stack/ (the processes) and lib/ (measuring tools); this re-exports them for the figures.
export { BenchError, type Say } from './lib/errors.js';
export { clockTicksPerSecond, loadSample, machineFacts, rssBytes, type LoadSample } from './lib/machine.js';
export {
  figureApp,
  figureScenario,
  ratioTarget,
  scaled,
  timedFigure,
  type FigureContext,
  type FigureMeasurement,
  type FigureResult,
  type FigureUsers,
} from './lib/figure.js';
export { ndjsonBatch, submitBatch } from './lib/workload.js';
export { TerminalEventWatch } from './lib/terminal-event-watch.js';
export { BENCH_API_KEY, BenchApp, type AppOptions } from './stack/bench-app.js';
export { BenchStack, type EmulatorStats } from './stack/bench-stack.js';
