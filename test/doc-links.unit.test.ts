// Every relative link in the user and contributor documentation leads to a
// file that exists, and an anchor to a heading (or <a id>) in it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { root } from './helpers.js';

function documents(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', 'ARCHITECTURE.md', 'CONTRIBUTING.md', ...docs];
}

/** Markdown outside fenced code blocks and inline code, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Link targets: [text](target) and ![alt](target), an optional "title" dropped. */
export function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a page has: its headings' slugs (repeats numbered as GitHub does) and <a id="…">. */
export function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(m[1]);
  return found;
}

test('every relative link in README, ARCHITECTURE, CONTRIBUTING and docs/ resolves', () => {
  const broken: string[] = [];
  for (const doc of documents()) {
    const text = readFileSync(join(root, doc), 'utf8');
    for (const target of linkTargets(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [path, anchor] = target.split('#', 2) as [string, string | undefined];
      const file = path === '' ? doc : relative(root, join(root, dirname(doc), decodeURIComponent(path)));
      if (!existsSync(join(root, file))) {
        broken.push(`${doc}: ${target} (no ${file})`);
        continue;
      }
      if (anchor === undefined || !file.endsWith('.md')) continue;
      if (!anchors(readFileSync(join(root, file), 'utf8')).has(anchor))
        broken.push(`${doc}: ${target} (no heading #${anchor} in ${file})`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the package carries every page the README leads to, and the files --help names', () => {
  // npm always packs these; package.json "files" lists the rest (folders or files).
  const files = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] }).files;
  const packed = (file: string): boolean =>
    ['README.md', 'LICENSE', 'package.json'].includes(file) ||
    files.some((entry) => file === entry || file.startsWith(`${entry}/`));
  const missing = new Set<string>();
  const seen = new Set<string>();
  const queue = ['README.md'];
  for (let doc = queue.shift(); doc !== undefined; doc = queue.shift()) {
    if (seen.has(doc)) continue;
    seen.add(doc);
    if (!packed(doc)) missing.add(doc);
    if (!doc.endsWith('.md')) continue;
    for (const target of linkTargets(readFileSync(join(root, doc), 'utf8'))) {
      const path = target.split('#', 1)[0];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || path === '') continue;
      queue.push(relative(root, join(root, dirname(doc), decodeURIComponent(path))));
    }
  }
  // The pages the commands' help sends to (the source, so no build is needed).
  for (const file of readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    for (const m of readFileSync(join(root, 'src', file), 'utf8').matchAll(/\bdocs\/[\w-]+\.md\b/g))
      if (!packed(m[0])) missing.add(m[0]);
  }
  assert.deepEqual([...missing].sort(), []);
});

test('the checker reads links, skips code, and makes anchors as GitHub does', () => {
  const page = [
    '# `leakscan run [scenarios..]`',
    'See [the rule](leak-rules.md#the-leak-rule-of-run) and ![a picture](html-report.png "title").',
    '`[not](a-link.md)` and',
    '```sh',
    'echo [not](either.md)',
    '```',
    '## `run --json`',
    '## Notes',
    '## Notes',
    '<a id="files-in---out"></a>',
  ].join('\n');
  assert.deepEqual(linkTargets(page), ['leak-rules.md#the-leak-rule-of-run', 'html-report.png']);
  assert.deepEqual(
    [...anchors(page)].sort(),
    ['files-in---out', 'leakscan-run-scenarios', 'notes', 'notes-1', 'run---json'].sort(),
  );
  assert.equal(slug('The leak rule of `run`'), 'the-leak-rule-of-run');
  assert.equal(
    slug('Where in your code: definition sites, allocation stacks'),
    'where-in-your-code-definition-sites-allocation-stacks',
  );
});
