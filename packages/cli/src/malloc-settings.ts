/**
 * The glibc malloc settings `serve` runs with, because RSS crept without them in the soaks
 * (docs/benchmarks.md, "Soak"):
 * - two arenas (MALLOC_ARENA_MAX=2): by default threads that allocate get arenas of their own,
 *   up to eight per core; V8's compiler and GC threads and libuv's pool spread the server's
 *   native allocations over them, and each keeps its high-water mark;
 * - a fixed mmap threshold of 128 KiB (glibc.malloc.mmap_threshold): glibc otherwise raises the
 *   threshold each time a mapped block is freed, up to 32 MiB, so later big blocks (request
 *   bodies, zlib and TLS buffers) are carved from the arena instead of mapped and unmapped, and
 *   the arena's top stays at its high-water mark. Fixed, they are given back when freed.
 * glibc reads both only when a process starts, so `serve` runs itself again, once, in place
 * (same PID, same arguments and stdio). A setting the operator made (MALLOC_ARENA_MAX, or an
 * mmap threshold in GLIBC_TUNABLES or MALLOC_MMAP_THRESHOLD_) is kept as it is. Where the
 * runtime cannot replace the process image (process.execve: Node 22.15+, 24) or on other
 * systems, nothing happens. Returns only when it did not re-run.
 */
export const MMAP_THRESHOLD_TUNABLE = 'glibc.malloc.mmap_threshold=131072';

/** The environment with the settings added, or null when nothing needs adding. */
export function withMallocSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv | null {
  const add: NodeJS.ProcessEnv = {};
  if (env['MALLOC_ARENA_MAX'] === undefined) add['MALLOC_ARENA_MAX'] = '2';
  const tunables = env['GLIBC_TUNABLES'];
  if (!tunables?.includes('glibc.malloc.mmap_threshold=') && env['MALLOC_MMAP_THRESHOLD_'] === undefined) {
    // First, so that /proc/<pid>/environ shows it: glibc cuts that copy at the first ':' as it parses.
    add['GLIBC_TUNABLES'] = tunables ? `${MMAP_THRESHOLD_TUNABLE}:${tunables}` : MMAP_THRESHOLD_TUNABLE;
  }
  return Object.keys(add).length === 0 ? null : { ...env, ...add };
}

export function runWithMallocSettings(): void {
  if (process.platform !== 'linux') return;
  const env = withMallocSettings(process.env);
  if (!env) return;
  // Not in every @types/node this project builds with; Node ≥ 22.15 has it.
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve !== 'function') return;
  execve.call(process, process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env);
}
