import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

/** What a finished child process said and how it ended. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Collects a spawned child's stdout and stderr (spawned with both piped) until it closes. A child
 * killed by a signal has no exit code: -1, so a test's `code === 0` cannot pass by accident.
 */
export function collectRun(child: ChildProcessByStdio<null, Readable, Readable>): Promise<Run> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
