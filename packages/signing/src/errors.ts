/**
 * A failure the publisher can fix (a missing key file, a signer command that failed): `code`
 * is stable for scripts, the message says what to do. The CLI prints it as its own errors.
 */
export class SigningError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, opts: { exitCode?: number; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'SigningError';
    this.code = code;
    this.exitCode = opts.exitCode ?? 1;
    this.details = opts.details;
  }
}
