// One definition, shared with the emulator through the contracts package.
export { ENDPOINT_NAMES, type EndpointName } from '@verified-onboard/contracts';
