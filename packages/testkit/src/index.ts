// Shared by the test suites only (a devDependency of each). The waits, isolated names and Redis cleanup the
// suites also share stay in @verified-onboard/devstack, which has the one copy of each.
export { requestedData, requestedEvent, type RequestedEnvelope } from './requested.js';
