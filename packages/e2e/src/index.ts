// What other parts of the workspace may use: an isolated whole stack, the soak's scenario and the soak itself.
export {
  startE2eStack,
  requestJson,
  HttpStatusError,
  type E2eStack,
  type E2eStackOptions,
  type Say,
} from './e2e-stack.js';
export { EMULATOR_ENDPOINTS, faultEveryEndpoint, SOAK_SCENARIO, SOAK_WORKER_ENV } from './scenario.js';
export { runSoak, type SoakOptions, type SoakReport } from './soak.js';
