import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { appOnServer } from '@updraft/test-kit/app-on-server';
import { publishArgs, runCli } from '@updraft/test-kit/cli';

// A publish whose signed listing (--keep-releases) drops older releases says which: in --json
// `droppedReleases`, for a person one line with the way back (a rollback lists one again).

const APP = 'com.example.dropped';
const fixture = appOnServer(APP, 'cli-dropped', { dataDir: 'server' });

async function publish(n: number, json = true) {
  const dir = join(fixture.work.path, `b${n}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.ios.bundle'), `console.log(${n})`);
  const r = await runCli(
    publishArgs({ app: APP, dir, keys: fixture.keys, json, extra: ['--keep-releases', '1'] }),
    fixture.env,
  );
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return r;
}

describe('publish: the releases the new listing dropped', () => {
  it('--json names them (none while every older release is in use); the human output says so in one line', async () => {
    const first = await publish(1);
    assert.deepEqual(first.json!['droppedReleases'], []);
    const second = await publish(2);
    assert.deepEqual(second.json!['droppedReleases'], []);
    // When the third is signed, the first is still production's previous release (devices
    // outside a rollout get it): kept.
    assert.deepEqual((await publish(3)).json!['droppedReleases'], []);
    // Now the first is in use nowhere and older than the newest one kept.
    assert.deepEqual((await publish(4)).json!['droppedReleases'], [first.json!['releaseId']]);

    const list = await runCli(['release', 'list', '--app', APP], fixture.env);
    const row = (id: unknown) => list.stdout.split('\n').find((l) => l.startsWith(`${String(id)}\t`)) ?? '';
    assert.match(row(first.json!['releaseId']), /\tsuperseded, not listed\t/);
    assert.doesNotMatch(row(second.json!['releaseId']), /not listed/);

    const fifth = await publish(5, false);
    const lines = fifth.stdout.split('\n').filter((l) => l.includes('no longer listed'));
    assert.deepEqual(lines, [
      `  1 older release is no longer listed (${second.json!['releaseId']}); roll back to one to list it again: updraft release rollback <releaseId> --app ${APP} --channel production`,
    ]);
  });
});
