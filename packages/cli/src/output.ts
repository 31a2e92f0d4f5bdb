import { SigningError } from '@updraft/signing/errors';

/**
 * How the CLI talks to people and scripts: one line on stderr for an error (what went wrong
 * and what to do), JSON on stdout with --json (also on failure), colour only on a TTY.
 */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, opts: { exitCode?: number; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = opts.exitCode ?? 1;
    this.details = opts.details;
  }
}

const useColour = Boolean(process.stderr.isTTY) && !process.env['NO_COLOR'];

function paint(code: number, text: string): string {
  return useColour ? `\u001b[${code}m${text}\u001b[0m` : text;
}

export const colour = {
  bold: (t: string) => paint(1, t),
  dim: (t: string) => paint(2, t),
  red: (t: string) => paint(31, t),
  green: (t: string) => paint(32, t),
  yellow: (t: string) => paint(33, t),
  cyan: (t: string) => paint(36, t),
};

export interface OutputOptions {
  json?: boolean;
}

/** Prints a command's result: JSON for scripts, or the human text the command chose. */
export function emit(opts: OutputOptions, result: unknown, human: () => string): void {
  if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else process.stdout.write(human() + '\n');
}

export function emitError(opts: OutputOptions, err: unknown, where: { stderr?: boolean } = {}): number {
  const e =
    err instanceof CliError
      ? err
      : err instanceof SigningError
        ? new CliError(err.code, err.message, {
            exitCode: err.exitCode,
            ...(err.details ? { details: err.details } : {}),
          })
        : new CliError('internal', err instanceof Error ? err.message : String(err), { exitCode: 1 });
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({ error: { code: e.code, message: e.message, ...(e.details ?? {}) } }, null, 2) + '\n',
    );
  }
  if (where.stderr !== false) process.stderr.write(`${colour.red('error:')} ${e.message.replace(/\s*\n\s*/g, ' ')}\n`);
  return e.exitCode;
}
