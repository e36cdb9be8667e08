/** Debian's chromium, installed by scripts/ensure-chromium.sh (run by `npm test` before the tests). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless, and quiet: no network of its own beyond what the page under test asks for. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
