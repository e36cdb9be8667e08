// The human-readable table printed after the JSON lines: each figure beside its baseline and target.
import type { FigureResult, machineFacts } from './harness.js';

const fmt = (n: number) => (Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : String(n));

export function table(results: FigureResult[], machine: ReturnType<typeof machineFacts>): string {
  const header = [
    'figure',
    'value',
    'baseline',
    'ratio',
    'target',
    'result',
    'size',
    'time (s)',
    'load1 start→end',
  ];
  const rows = results.map((r) => [
    r.figure,
    `${fmt(r.value)} ${r.unit}`,
    `${fmt(r.baseline)} ${r.baselineUnit}`,
    String(r.ratio),
    r.target,
    r.pass === null ? '-' : r.pass ? 'PASS' : 'FAIL',
    fmt(r.size),
    String(r.durationSec),
    `${r.load.start.loadavg1} → ${r.load.end.loadavg1}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const memoryGb = (machine.memoryBytes / 2 ** 30).toFixed(1);
  return [
    `machine: ${machine.nproc} × ${machine.cpuModel}, ${memoryGb} GiB, Node ${machine.node}, ${machine.redis}`,
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
