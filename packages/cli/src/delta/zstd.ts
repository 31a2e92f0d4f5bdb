import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * `zstd-patch-from` patches (protocol.md §3.6) come from the `zstd` command-line tool:
 * Node 20 has no zstd, and no npm package compresses against a prefix without a native or
 * downloaded build. `UPDRAFT_ZSTD` names another binary, or `off` to publish bsdiff only.
 * Without the tool, publishing silently keeps to `bsdiff-brotli`.
 */
export const ZSTD_PATCH_ARGS = ['-19', '--long=27', '--single-thread', '--no-check'];

let found: Promise<string | null> | undefined;

async function locate(): Promise<string | null> {
  const configured = process.env['UPDRAFT_ZSTD'];
  if (configured === 'off') return null;
  const bin = configured || 'zstd';
  try {
    await run(bin, ['--version'], { timeout: 10_000 });
    return bin;
  } catch {
    return null;
  }
}

/** The zstd binary, or null when there is none (looked up once per process). */
export function zstdBinary(): Promise<string | null> {
  found ??= locate();
  return found;
}

/** For tests that change UPDRAFT_ZSTD within one process. */
export function forgetZstdBinary(): void {
  found = undefined;
}

/**
 * `zstd -19 --long=27 --single-thread --no-check --patch-from=OLD NEW`. Single-threaded output
 * is a little smaller and reproducible; the device checks the output's SHA-256, so the frame
 * carries no checksum. Returns null when zstd is not installed or fails on this pair.
 */
export async function createZstdPatch(old: Uint8Array, next: Uint8Array): Promise<Uint8Array | null> {
  return (await startZstdPatch(old, next)).done;
}

/**
 * Starts `createZstdPatch`'s zstd process and returns once it runs, with `done` for its
 * patch: the caller makes the bsdiff patch on its own thread meanwhile (zstd takes seconds
 * of CPU for a 10 MB bundle, in its own process, on another core when there is one).
 */
export async function startZstdPatch(old: Uint8Array, next: Uint8Array): Promise<{ done: Promise<Uint8Array | null> }> {
  const bin = await zstdBinary();
  if (!bin) return { done: Promise.resolve(null) };
  const dir = await mkdtemp(join(tmpdir(), 'updraft-zstd-'));
  const cleanUp = () => rm(dir, { recursive: true, force: true });
  const oldPath = join(dir, 'old');
  const newPath = join(dir, 'new');
  const patchPath = join(dir, 'patch');
  try {
    await writeFile(oldPath, old);
    await writeFile(newPath, next);
  } catch {
    await cleanUp();
    return { done: Promise.resolve(null) };
  }
  // execFile spawns before it returns, so zstd is running when this function resolves.
  const ran = run(bin, ['-q', '-f', ...ZSTD_PATCH_ARGS, `--patch-from=${oldPath}`, newPath, '-o', patchPath], {
    timeout: 120_000,
    maxBuffer: 1 << 20,
  });
  const done = ran
    .then(() => readFile(patchPath))
    .then(
      (bytes) => new Uint8Array(bytes),
      () => null,
    )
    .finally(cleanUp);
  return { done };
}
