/**
 * glibc gives threads that allocate their own malloc arenas (up to 8 per core). V8's compiler
 * and GC threads and libuv's pool spread the server's native allocations over them, and RSS
 * creeps for hours as they fragment; with two arenas it levelled off in the soak
 * (docs/benchmarks.md, "Soak"). glibc reads MALLOC_ARENA_MAX only when a process starts, so
 * `serve` runs itself again, once, in place (same PID, same arguments and stdio) with two
 * arenas. An operator's own MALLOC_ARENA_MAX, whatever its value, is left as it is; where
 * the runtime cannot replace the process image (process.execve: Node 22.15+, 24) or on other
 * systems, nothing happens. Returns only when it did not re-run.
 */
export function runWithTwoMallocArenas(): void {
  if (process.platform !== 'linux' || process.env['MALLOC_ARENA_MAX'] !== undefined) return;
  // Not in every @types/node this project builds with; Node ≥ 22.15 has it.
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve !== 'function') return;
  execve.call(process, process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    ...process.env,
    MALLOC_ARENA_MAX: '2',
  });
}
