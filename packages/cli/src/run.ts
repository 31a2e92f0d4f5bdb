import type { Command } from 'commander';
import { emitError } from './output.js';

/** Options every command accepts (declared once on the program). */
export interface GlobalOptions {
  json?: boolean;
  server?: string;
  apiKey?: string;
}

export interface RunOptions {
  /** With --json, an error is the JSON on stdout only (device commands: said once). */
  jsonErrorOnly?: boolean;
}

/**
 * Wraps a command action: merges global options, and turns any thrown error into the
 * one-line stderr message (plus JSON with --json) and a non-zero exit code.
 */
export function run<Args extends unknown[], Opts extends GlobalOptions>(
  fn: (...args: [...Args, Opts]) => Promise<void>,
  runOptions: RunOptions = {},
): (...raw: unknown[]) => Promise<void> {
  return async (...raw: unknown[]) => {
    const command = raw[raw.length - 1] as Command;
    const opts = command.optsWithGlobals() as Opts;
    const positional = raw.slice(0, -2) as Args;
    try {
      await fn(...positional, opts);
    } catch (err) {
      process.exitCode = emitError(opts, err, { stderr: !(opts.json && runOptions.jsonErrorOnly) });
    }
  };
}

/**
 * run() for an action whose code is imported when the command runs: `--help`, `--version`
 * and usage errors load only the command definitions, not the signing, protocol, admin-client
 * or server code an action needs (test/start-path.test.ts).
 */
export function runLazily<Args extends unknown[], Opts extends GlobalOptions>(
  load: () => Promise<(...args: [...Args, Opts]) => Promise<void>>,
  runOptions: RunOptions = {},
): (...raw: unknown[]) => Promise<void> {
  return run<Args, Opts>(async (...args) => (await load())(...args), runOptions);
}
