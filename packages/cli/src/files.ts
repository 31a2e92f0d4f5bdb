import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, relative, sep, extname } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { relativePathProblem, MAX_MANIFEST_FILES } from '@updraft/protocol';
import { CliError } from './output.js';

export interface LocalFile {
  path: string;
  absolutePath: string;
  sha256: string;
  length: number;
  contentType: string;
}

/** The file at the bundle root whose gitignore-style patterns leave files out of a release. */
export const IGNORE_FILE = '.updraftignore';
/** Left out of every release: Finder's folder metadata and the resource forks of macOS zip archives. */
const ALWAYS_IGNORED = ['.DS_Store', '__MACOSX/', `/${IGNORE_FILE}`];

/** The rules of `root`: ALWAYS_IGNORED plus its .updraftignore (gitignore syntax, paths relative to the root). */
async function ignoreRules(root: string): Promise<Ignore> {
  const rules = ignore().add(ALWAYS_IGNORED);
  let text: string | null = null;
  try {
    text = await readFile(join(root, IGNORE_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CliError('bad-input', `cannot read ${join(root, IGNORE_FILE)} (${(err as Error).message})`);
    }
  }
  if (text !== null) rules.add(text);
  return rules;
}

/**
 * Reads a bundle folder for publishing. Everything is checked before anything is uploaded,
 * so a bad folder stores nothing: no symlinks (they could point outside the bundle), no
 * unsafe names, no file over the size limit, not empty. `.DS_Store`, `__MACOSX/` and what
 * the folder's `.updraftignore` names are left out (and not checked).
 */
export async function collectFiles(root: string, maxFileBytes: number): Promise<LocalFile[]> {
  let rootStat;
  try {
    rootStat = await lstat(root);
  } catch {
    throw new CliError('bad-input', `${root} does not exist; pass the folder that holds your built bundle`);
  }
  if (!rootStat.isDirectory())
    throw new CliError('bad-input', `${root} is not a folder; pass the folder that holds your built bundle`);

  const rules = await ignoreRules(root);
  const found: { path: string; absolutePath: string; size: number }[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const abs = join(dir, entry.name);
      const rel = relative(root, abs).split(sep).join('/');
      // A folder's rules ("dir/") match its path with a trailing slash; its contents go with it.
      if (rules.ignores(entry.isDirectory() ? `${rel}/` : rel)) continue;
      if (entry.isSymbolicLink()) {
        throw new CliError('bad-input', `${rel} is a symbolic link; copy the real file into the bundle folder instead`);
      }
      if (entry.isDirectory()) {
        await walk(abs);
        continue;
      }
      if (!entry.isFile())
        throw new CliError('bad-input', `${rel} is not a regular file; remove it from the bundle folder`);
      const problem = relativePathProblem(rel);
      if (problem) throw new CliError('bad-input', `file name "${rel}" ${problem}; rename it`);
      const size = (await lstat(abs)).size;
      if (size > maxFileBytes) {
        throw new CliError(
          'file-too-large',
          `${rel} is ${size} bytes, over the limit of ${maxFileBytes}; shrink it or raise --max-file-size`,
        );
      }
      found.push({ path: rel, absolutePath: abs, size });
      if (found.length > MAX_MANIFEST_FILES) {
        throw new CliError(
          'bad-input',
          `the bundle has more than ${MAX_MANIFEST_FILES} files; publish a smaller folder`,
        );
      }
    }
  };
  await walk(root);
  if (found.length === 0) {
    throw new CliError(
      'bad-input',
      `${root} has no files to publish; build your bundle into it first (or check its ${IGNORE_FILE})`,
    );
  }
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const files: LocalFile[] = [];
  for (const f of found) {
    const { sha256, length } = await hashFile(f.absolutePath);
    files.push({ path: f.path, absolutePath: f.absolutePath, sha256, length, contentType: contentTypeOf(f.path) });
  }
  return files;
}

export async function hashFile(path: string): Promise<{ sha256: string; length: number }> {
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), length };
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'application/javascript',
  '.mjs': 'application/javascript',
  '.bundle': 'application/javascript',
  '.jsbundle': 'application/javascript',
  '.hbc': 'application/octet-stream',
  '.json': 'application/json',
  '.html': 'text/html',
  '.css': 'text/css',
  '.map': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The launch file when --launch is not given: the one conventional entry point present. */
export function guessLaunch(files: LocalFile[], platform: string): string | null {
  const candidates = [
    `index.${platform}.bundle`,
    platform === 'ios' ? 'main.jsbundle' : '',
    'index.bundle',
    'index.html',
    'index.js',
    'main.js',
  ].filter(Boolean);
  for (const c of candidates) if (files.some((f) => f.path === c)) return c;
  return files.length === 1 ? files[0]!.path : null;
}
