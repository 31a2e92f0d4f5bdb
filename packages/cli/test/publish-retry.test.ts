import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@updraft/api';
import { CliError } from '../src/output.js';
import { retryReleasesConflict } from '../src/sign-release.js';

// A publish or rollback signs on top of the server's releases metadata; when the server refuses
// it because that changed (releases-changed) or because a release it drops came into use
// meanwhile (release-in-use), signing again on the new state is right: 3 attempts in all.

function failing(codes: string[]): { attempt: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    attempt: async () => {
      const code = codes[calls++];
      if (code === undefined) return 'published';
      throw new CliError(code, `refused: ${code}`);
    },
    calls: () => calls,
  };
}

describe('retryReleasesConflict', () => {
  it('signs again after release-in-use and releases-changed', async () => {
    const run = failing([ErrorCode.releaseInUse, ErrorCode.releasesChanged]);
    assert.equal(await retryReleasesConflict(run.attempt), 'published');
    assert.equal(run.calls(), 3);
  });

  it('gives up after 3 attempts with the last refusal', async () => {
    const run = failing([
      ErrorCode.releaseInUse,
      ErrorCode.releaseInUse,
      ErrorCode.releaseInUse,
      ErrorCode.releaseInUse,
    ]);
    await assert.rejects(
      retryReleasesConflict(run.attempt),
      (err: unknown) => err instanceof CliError && err.code === ErrorCode.releaseInUse,
    );
    assert.equal(run.calls(), 3);
  });

  it('does not retry any other refusal', async () => {
    const run = failing([ErrorCode.targetsChanged]);
    await assert.rejects(
      retryReleasesConflict(run.attempt),
      (err: unknown) => err instanceof CliError && err.code === ErrorCode.targetsChanged,
    );
    assert.equal(run.calls(), 1);
  });
});
