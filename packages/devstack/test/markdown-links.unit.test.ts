// A clone must explain itself: every relative link of every Markdown file in the repository resolves (the file
// exists, and an `#anchor` names a heading of its target by GitHub's slug rules), and no document points at a
// place outside the repository (another checkout, a machine path, a home directory).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths.js';

/** What the checker needs of a file tree, by repository-relative path. */
interface Tree {
  read(path: string): string | undefined;
  exists(path: string): boolean;
}

interface Located {
  line: number;
  text: string;
}

const FENCE = /^\s{0,3}(```|~~~)/;
const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;
// Paths that only mean something on one machine: other checkouts, home directories, system locations.
const OUTSIDE_PATH =
  /(?:^|[^\w.~/-])((?:\/(?:work|home|tmp|root|Users|usr|etc|var|opt|mnt|srv|private)\/|~\/|(?:\.\.\/)+shared\b)[^\s)`'"\]|]*)/g;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.local', '.git', 'coverage']);

/** Lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(markdown: string): Located[] {
  const out: Located[] = [];
  let fence: string | null = null;
  markdown.split('\n').forEach((text, i) => {
    const marker = FENCE.exec(text)?.[1];
    if (marker !== undefined) {
      if (fence === null) fence = marker;
      else if (marker === fence) fence = null;
    } else if (fence === null) out.push({ line: i + 1, text });
  });
  return out;
}

/** The text GitHub renders for a heading: code spans keep their content, links keep their text, tags go. */
function renderedText(heading: string): string {
  return heading
    .replace(/`+([^`]*)`+/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/\*+/g, '')
    .trim();
}

/** GitHub's heading ids: lower case, punctuation dropped (not `-` or `_`), spaces to `-`, repeats get `-n`. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text)?.[1];
    if (heading !== undefined) {
      const base = renderedText(heading)
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
        .replace(/ /g, '-');
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const html of text.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) if (html[1]) anchors.add(html[1]);
  }
  return anchors;
}

/** Link targets in prose: inline links and images, and reference definitions. Code spans are not links. */
function linksOf(markdown: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  for (const { line, text } of proseLines(markdown)) {
    const prose = text.replace(/`+[^`]*`+/g, (span) => ' '.repeat(span.length));
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      if (m[1]) links.push({ line, target: m[1] });
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)/.exec(prose)?.[1];
    if (definition) links.push({ line, target: definition });
  }
  return links;
}

/** Every problem of one Markdown file, as `file:line: what`. */
function checkMarkdown(file: string, tree: Tree): string[] {
  const text = tree.read(file);
  if (text === undefined) return [`${file}: cannot be read`];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(OUTSIDE_PATH)) {
      const path = (m[1] ?? '').replace(/[.,;:]+$/, '');
      problems.push(`${file}:${i + 1}: names a path outside the repository: ${path}`);
    }
  });
  for (const { line, target } of linksOf(text)) {
    if (EXTERNAL.test(target)) continue;
    const where = `${file}:${line}: ${target}`;
    const hash = target.indexOf('#');
    const pathPart = decodeURI(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? '' : decodeURIComponent(target.slice(hash + 1));
    if (isAbsolute(pathPart)) {
      problems.push(`${where}: an absolute path, not a link inside the repository`);
      continue;
    }
    const resolved = pathPart === '' ? file : posix.normalize(posix.join(posix.dirname(file), pathPart));
    if (resolved === '..' || resolved.startsWith('../')) {
      problems.push(`${where}: points outside the repository`);
      continue;
    }
    const targetFile = resolved.replace(/\/$/, '');
    if (!tree.exists(targetFile)) problems.push(`${where}: no such file`);
    else if (
      anchor !== '' &&
      targetFile.endsWith('.md') &&
      !anchorsOf(tree.read(targetFile) ?? '').has(anchor)
    )
      problems.push(`${where}: no heading #${anchor} in ${targetFile}`);
  }
  return problems;
}

const repoTree: Tree = {
  read: (path) => (existsSync(join(repoRoot, path)) ? readFileSync(join(repoRoot, path), 'utf8') : undefined),
  exists: (path) => existsSync(join(repoRoot, path)),
};

/** Repository-relative paths of the files under `dir` whose names end with `suffix` (build output skipped). */
function walk(dir: string, suffix: string): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : walk(path, suffix);
    return entry.isFile() && entry.name.endsWith(suffix) ? [path] : [];
  });
}

/** Tracked Markdown files and new ones not ignored yet; a copy without git history is walked instead. */
function repositoryMarkdown(): string[] {
  let listed: string[];
  try {
    listed = execFileSync(
      'git',
      ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '*.md'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ).split('\0');
  } catch {
    listed = walk('', '.md');
  }
  return [...new Set(listed.filter((path) => path !== '' && repoTree.exists(path)))].sort();
}

function memoryTree(files: Record<string, string>): Tree {
  return { read: (path) => files[path], exists: (path) => path in files };
}

describe('Markdown links', () => {
  it('every relative link and anchor in the repository resolves, and nothing points outside it', () => {
    const files = repositoryMarkdown();
    expect(files).toContain('README.md');
    expect(files).toContain('docs/verified-api.md');
    expect(files.flatMap((file) => checkMarkdown(file, repoTree))).toEqual([]);
  });

  it('every section of docs/verified-api.md that a source comment cites exists', () => {
    const reference = repoTree.read('docs/verified-api.md') ?? '';
    const sections = new Set([...reference.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]));
    const openQuestions = new Set([...reference.matchAll(/^\| (\d+) +\|/gm)].map((m) => m[1]));
    const sources = ['packages', 'services'].flatMap((dir) => walk(dir, '.ts'));
    const problems: string[] = [];
    for (const path of sources) {
      (repoTree.read(path) ?? '').split('\n').forEach((text, i) => {
        const line = i + 1;
        // Only citations of this reference: the file name on the line, or its `§9 #n` form.
        if (!text.includes('verified-api.md §') && !/§9 #\d/.test(text)) return;
        for (const m of text.matchAll(/§(\d+(?:\.\d+)?)(?: #(\d+))?/g)) {
          if (!sections.has(m[1])) problems.push(`${path}:${line}: no section §${m[1]}`);
          if (m[2] !== undefined && (m[1] !== '9' || !openQuestions.has(m[2])))
            problems.push(`${path}:${line}: no open question §${m[1]} #${m[2]}`);
        }
      });
    }
    expect(sources.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('finds a missing file, a missing heading and a path outside the repository', () => {
    const tree = memoryTree({
      'README.md': [
        '# Title',
        '## A `code` heading, twice',
        '## A `code` heading, twice',
        'Fine: [guide](docs/guide.md), [part](docs/guide.md#part-two), [self](#a-code-heading-twice-1).',
        'Broken: [gone](docs/gone.md), [anchor](docs/guide.md#part-three), [up](../shared/DESIGN.md).',
        'Design notes live in /work/shared/DESIGN.md.',
        '```',
        '[inside a fence](nowhere.md)',
        '```',
        'Not checked: [site](https://example.com/x.md) and `[a code span](nowhere.md)`.',
      ].join('\n'),
      'docs/guide.md': '# Guide\n\n## Part two\n',
    });
    expect(checkMarkdown('README.md', tree).sort()).toEqual(
      [
        'README.md:5: names a path outside the repository: ../shared/DESIGN.md',
        'README.md:6: names a path outside the repository: /work/shared/DESIGN.md',
        'README.md:5: docs/gone.md: no such file',
        'README.md:5: docs/guide.md#part-three: no heading #part-three in docs/guide.md',
        'README.md:5: ../shared/DESIGN.md: points outside the repository',
      ].sort(),
    );
  });
});
