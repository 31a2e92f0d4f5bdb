import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '@updraft/cli';
import { REPO_ROOT } from '@updraft/test-kit/cli';

// Every `updraft …` command that README.md and docs/ name must exist in the CLI: a newcomer
// copies them as written. The command path (e.g. `release rollout`, `keys api create`) is
// walked through the real commander program; operands and flags after it are not checked
// here (the e2e suites run them).

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** Code in a markdown file: fenced blocks and inline code spans. */
function codeIn(markdown: string): string[] {
  const fenced = [...markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
  const inline = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...fenced, ...inline];
}

const WORD = /^[a-z][a-z0-9-]*(?:\\?\|[a-z][a-z0-9-]*)*$/;

/** The words after each `updraft` in a piece of code: `updraft release halt\|resume <id>` → ['release', 'halt\|resume', …]. */
function invocations(code: string): string[][] {
  const found: string[][] = [];
  for (const m of code.matchAll(/(?:^|[\s(`'$;&|])updraft((?:[ \t]+\S+)+)/gm)) {
    const words: string[] = [];
    for (const token of m[1]!.trim().split(/[ \t]+/)) {
      if (!WORD.test(token)) break;
      words.push(token);
    }
    found.push(words);
  }
  return found;
}

/** Follows the words through the command tree; returns what is wrong, or null. */
function checkPath(program: Command, words: string[]): string | null {
  if (words.length === 0) return null; // `updraft --help`, `updraft <command>`, or the word in prose-like code
  const walk = (cmd: Command, rest: string[]): string | null => {
    if (rest.length === 0 || cmd.commands.length === 0) return null;
    const [head, ...tail] = rest;
    for (const name of head!.split(/\\?\|/)) {
      const sub = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
      if (!sub) {
        const known = cmd.commands.map((c) => c.name()).join(', ');
        return `'${name}' is not a subcommand of '${cmd.name()}' (it has: ${known})`;
      }
      const problem = walk(sub, tail);
      if (problem) return problem;
    }
    return null;
  };
  return walk(program, words);
}

test('every updraft command named in README.md and docs/ exists in the CLI', () => {
  const program = buildProgram();
  const files = [join(REPO_ROOT, 'README.md'), ...markdownFiles(join(REPO_ROOT, 'docs'))];
  const problems: string[] = [];
  let checked = 0;
  for (const file of files) {
    for (const code of codeIn(readFileSync(file, 'utf8'))) {
      for (const words of invocations(code)) {
        checked++;
        const problem = checkPath(program, words);
        if (problem) problems.push(`${relative(REPO_ROOT, file)}: updraft ${words.join(' ')}: ${problem}`);
      }
    }
  }
  assert.ok(checked > 50, `found ${checked} commands in the docs: the extraction works`);
  assert.deepEqual(problems, []);
});

test('the checker itself: finds commands in code, walks alternatives, reports an unknown subcommand', () => {
  const program = buildProgram();
  const md = 'Run `updraft release halt\\|resume <id> --app A` then\n```sh\nnpx updraft device sync --dir d\n```\n';
  const found = codeIn(md).flatMap(invocations);
  assert.deepEqual(found.sort(), [
    ['device', 'sync'],
    ['release', 'halt\\|resume'],
  ]);
  for (const words of found) assert.equal(checkPath(program, words), null);
  assert.match(checkPath(program, ['release', 'undo']) ?? '', /'undo' is not a subcommand of 'release'/);
  assert.match(checkPath(program, ['keys', 'api', 'create|nuke']) ?? '', /'nuke'/);
  assert.match(checkPath(program, ['deploy']) ?? '', /'deploy' is not a subcommand of 'updraft'/);
  assert.equal(checkPath(program, ['publish', 'build']), null, 'operands after a leaf command are not subcommands');
});

test('README.md and docs/self-hosting.md have no duplicate table rows or section headings', () => {
  for (const file of ['README.md', 'docs/self-hosting.md']) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    // Code blocks are not structure (a `# comment` in a shell block is not a heading).
    const lines = text.replace(/^```[^\n]*\n[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, '')).split('\n');
    const seen = new Map<string, number>();
    const dupes: string[] = [];
    lines.forEach((line, i) => {
      const trimmed = line.trim();
      const row = /^\|.*\|$/.test(trimmed) && !/^\|[\s|:-]+\|$/.test(trimmed);
      const heading = /^#{1,6}\s+(.*)$/.exec(trimmed);
      if (!row && !heading) return;
      // A heading repeats whatever its level: two "Backups" sections are one too many.
      const key = heading ? `heading: ${heading[1]!.toLowerCase()}` : trimmed.replace(/\s+/g, ' ');
      const first = seen.get(key);
      if (first !== undefined) dupes.push(`${file}:${i + 1} repeats line ${first}: ${key.slice(0, 100)}`);
      else seen.set(key, i + 1);
    });
    assert.deepEqual(dupes, []);
  }
});
