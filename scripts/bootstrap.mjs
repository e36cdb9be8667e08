#!/usr/bin/env node
// Makes a fresh clone runnable with nothing but Node 20+ and npm: finds or installs pnpm (the version in
// package.json's packageManager), then installs the workspace when node_modules is missing or stale.
// Plain Node on purpose: it runs before any dependency exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const localPnpm = join(root, '.local', 'tools', 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...opts });
}

/** The command (argv prefix) that runs pnpm here, installing it project-locally if needed. */
export function pnpmCommand() {
  const onPath = run('pnpm', ['--version']);
  if (onPath.status === 0 && onPath.stdout.trim().split('.')[0] === wanted.split('.')[0]) return ['pnpm'];
  if (!existsSync(localPnpm)) {
    // Corepack would be the usual route, but some Node 20 builds ship a corepack whose signature keys no
    // longer match the registry; a project-local npm install needs no global state and no root.
    console.error(`[bootstrap] installing pnpm@${wanted} into .local/tools`);
    mkdirSync(join(root, '.local', 'tools'), { recursive: true });
    const r = run(
      'npm',
      [
        'install',
        '--prefix',
        join(root, '.local', 'tools'),
        '--no-save',
        '--no-audit',
        '--no-fund',
        `pnpm@${wanted}`,
      ],
      { stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error('could not install pnpm with npm');
  }
  return [process.execPath, localPnpm];
}

export function pnpm(args, opts = {}) {
  const [cmd, ...pre] = pnpmCommand();
  const r = run(cmd, [...pre, ...args], { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`pnpm ${args.join(' ')} failed with exit code ${r.status}`);
  return r;
}

/** Installs the workspace unless node_modules is newer than the lockfile and every package.json. */
export function ensureInstalled() {
  const marker = join(root, 'node_modules', '.install-stamp');
  const inputs = ['pnpm-lock.yaml', 'package.json', 'pnpm-workspace.yaml', ...workspaceManifests()];
  const newest = Math.max(
    ...inputs.filter((f) => existsSync(join(root, f))).map((f) => statSync(join(root, f)).mtimeMs),
  );
  if (existsSync(marker) && statSync(marker).mtimeMs >= newest) return;
  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) && process.env.CI ? ['--frozen-lockfile'] : [];
  pnpm(['install', ...frozen]);
  writeFileSync(marker, new Date().toISOString());
}

function workspaceManifests() {
  const out = [];
  for (const group of ['packages', 'services']) {
    const r = run('ls', [join(root, group)]);
    for (const name of r.stdout.split('\n').filter(Boolean)) out.push(join(group, name, 'package.json'));
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureInstalled();
}
