// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function and by code area (our packages,
// each node_modules package, node internals), to see where a worker process spends its time.
// Standalone: node --import tsx bench/profile-summary.ts FILE.cpuprofile [top]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A sample or parent link that names no node: not a V8 CPU profile, or a damaged one. */
export class ProfileFormatError extends Error {
  readonly code = 'bad_profile';
  constructor(file: string, id: number) {
    super(`${file}: no profile node ${id}`);
    this.name = 'ProfileFormatError';
  }
}

function area(url: string): string {
  if (!url) return '(native/idle/gc)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const ours = /\/(packages|services)\/([^/]+)\//.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url.replace(/^file:\/\//, '');
}

export function summarizeCpuProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const frameOf = (id: number) => {
    const node = byId.get(id);
    if (!node) throw new ProfileFormatError(file, id);
    return node.callFrame;
  };
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Native and node-internal time (socket writes, Buffer encoding) charged to the nearest library or our code.
  const owner = (id: number): string => {
    const own = frameOf(id).functionName;
    if (own === '(idle)' || own === '(garbage collector)' || own === '(program)') return own;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const a = area(frameOf(at).url);
      if (a !== 'node internals' && a !== '(native/idle/gc)') return a;
    }
    return 'node internals';
  };
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  const byOwner = new Map<string, number>();
  for (const [id, us] of self) {
    byOwner.set(owner(id), (byOwner.get(owner(id)) ?? 0) + us);
    const frame = frameOf(id);
    const where = frame.url ? `${area(frame.url)} ${frame.url.split('/').pop()}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byArea.set(area(frame.url), (byArea.get(area(frame.url)) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${pct(us)}  ${k}`);
  return [
    `cpu profile ${file}: ${(total / 1e6).toFixed(1)} s sampled over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s`,
    'self time by area:',
    ...list(byArea, 15),
    'self time by area, native and node-internal time charged to the nearest library or package frame:',
    ...list(byOwner, 15),
    `self time by function (top ${top}):`,
    ...list(byFunction, top),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarizeCpuProfile(file, top ? Number(top) : 25)}\n`);
}
