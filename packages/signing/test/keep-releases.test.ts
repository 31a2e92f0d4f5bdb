import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { manifestTargetPath, sha256Hex, utf8Encode } from '@updraft/protocol';
import { DEFAULT_KEEP_RELEASES, nextReleaseTargets, releaseDocuments, SigningError } from '../src/index.js';

/** A listed release as the keep rule reads it, the rest of its fields whatever they are. */
interface Listed {
  releaseId: string;
  platform: string;
  runtimeVersion: string;
  versionCode: number;
  epoch: number;
}

/** The signed targets of a releases version listing these releases, built as publish builds them. */
function listing(releases: readonly Listed[]) {
  const targets: Record<string, { length: number; hashes: Record<string, string>; custom: Record<string, unknown> }> =
    {};
  for (const r of releases) {
    const { custom } = releaseDocuments({
      appId: 'com.example.app',
      ...r,
      launch: 'index.bundle',
      createdAt: '2026-12-01T10:00:00Z',
      files: [{ path: 'index.bundle', sha256: 'ab'.repeat(32), length: 10, contentType: 'application/javascript' }],
      channels: ['*'],
    });
    targets[manifestTargetPath(r.releaseId)] = {
      length: 100,
      hashes: { sha256: sha256Hex(utf8Encode(r.releaseId)) },
      custom: { updraft: custom },
    };
  }
  return targets;
}

/** The release ids a next releases version carries over. */
function keptIds(releases: readonly Listed[], added: [string, string], keep: number, inUse: Iterable<string> = []) {
  const next = nextReleaseTargets(listing(releases), added[0], added[1], { keep, inUse: new Set(inUse) });
  return {
    ...next,
    ids: new Set(Object.values(next.targets).map((t) => (t.custom?.['updraft'] as { releaseId: string }).releaseId)),
  };
}

/** `n` releases of one platform and runtime version, versionCodes 1…n, ids `<prefix><vc>`. */
function history(prefix: string, platform: string, runtimeVersion: string, n: number, epoch = 0): Listed[] {
  return Array.from({ length: n }, (_, i) => ({
    releaseId: `${prefix}${i + 1}`,
    platform,
    runtimeVersion,
    versionCode: i + 1,
    epoch,
  }));
}

describe('the keep rule (nextReleaseTargets with a retention)', () => {
  it('keeps the newest `keep` of each platform and runtime version, the new release counting in its own', () => {
    const releases = [...history('i', 'ios', '1', 6), ...history('a', 'android', '1', 4)];
    const next = keptIds(releases, ['ios', '1'], 3);
    // ios/1 gains the new release: two of its old ones stay. android/1 keeps three.
    assert.deepEqual([...next.ids].sort(), ['a2', 'a3', 'a4', 'i5', 'i6']);
    assert.deepEqual(next.dropped.sort(), ['a1', 'i1', 'i2', 'i3', 'i4']);
    assert.equal(next.versionCode, 7, 'the newest stays, so versionCode keeps rising');
  });

  it('keeps every release in use, however old', () => {
    const next = keptIds(history('i', 'ios', '1', 10), ['ios', '1'], 2, ['i1', 'i4', 'unknown']);
    assert.deepEqual([...next.ids].sort(), ['i1', 'i10', 'i4']);
  });

  it('orders by epoch before versionCode, and keeps runtime versions apart', () => {
    const releases = [
      ...history('old', 'ios', '1', 5, 0),
      ...history('new', 'ios', '1', 1, 1),
      ...history('r2-', 'ios', '2', 3),
    ];
    const next = keptIds(releases, ['ios', '1'], 2);
    assert.deepEqual([...next.ids].sort(), ['new1', 'r2-2', 'r2-3']);
  });

  it('with keep 1, only the new release of its group and the newest of every other', () => {
    const releases = [...history('i', 'ios', '1', 3), ...history('w', 'web', '1', 3)];
    assert.deepEqual([...keptIds(releases, ['ios', '1'], 1).ids].sort(), ['w3']);
  });

  it('refuses a keep that is not a whole number 1–1000', () => {
    for (const keep of [0, -1, 1.5, 1001, Number.NaN]) {
      assert.throws(
        () => keptIds(history('i', 'ios', '1', 2), ['ios', '1'], keep),
        (err: unknown) => err instanceof SigningError && err.exitCode === 2 && /1 to 1000/.test(err.message),
      );
    }
    assert.equal(DEFAULT_KEEP_RELEASES, 20);
  });

  it('without a retention carries everything over (listings built by hand in tests)', () => {
    const next = nextReleaseTargets(listing(history('i', 'ios', '1', 30)), 'ios', '1');
    assert.equal(Object.keys(next.targets).length, 30);
    assert.deepEqual(next.dropped, []);
  });

  it('property: in use ∪ newest `keep` of each group, nothing else, bounded by keep × groups + in use', () => {
    const group = fc.record({
      platform: fc.constantFrom('ios', 'android', 'web'),
      runtimeVersion: fc.constantFrom('1.0.0', '2.0.0'),
    });
    const release = fc.record({
      group,
      versionCode: fc.integer({ min: 1, max: 1_000_000 }),
      epoch: fc.integer({ min: 0, max: 2 }),
      inUse: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(release, {
          maxLength: 60,
          // versionCodes are unique within a platform and runtime version, as publish makes them.
          selector: (r) => `${r.group.platform}/${r.group.runtimeVersion}/${r.versionCode}`,
        }),
        group,
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.constantFrom('ghost1', 'ghost2'), { maxLength: 2 }),
        (drawn, added, keep, ghosts) => {
          const releases: Listed[] = drawn.map((r, i) => ({
            releaseId: `r${i}`,
            platform: r.group.platform,
            runtimeVersion: r.group.runtimeVersion,
            versionCode: r.versionCode,
            epoch: r.epoch,
          }));
          const inUse = [...releases.filter((_, i) => drawn[i]!.inUse).map((r) => r.releaseId), ...ghosts];
          const next = keptIds(releases, [added.platform, added.runtimeVersion], keep, inUse);
          const sameGroup = (a: { platform: string; runtimeVersion: string }, b: typeof a) =>
            a.platform === b.platform && a.runtimeVersion === b.runtimeVersion;
          const newer = (a: Listed, b: Listed) =>
            a.epoch > b.epoch || (a.epoch === b.epoch && a.versionCode > b.versionCode);
          for (const r of releases) {
            const room = sameGroup(r, added) ? keep - 1 : keep;
            const newerInGroup = releases.filter((o) => sameGroup(o, r) && newer(o, r)).length;
            const shouldKeep = inUse.includes(r.releaseId) || newerInGroup < room;
            assert.equal(next.ids.has(r.releaseId), shouldKeep, `${r.releaseId} kept: ${String(shouldKeep)}`);
          }
          assert.ok(
            [...next.ids].every((id) => releases.some((r) => r.releaseId === id)),
            'only listed releases',
          );
          const groups = new Set([...releases, added].map((r) => `${r.platform}/${r.runtimeVersion}`));
          const listedInUse = releases.filter((r) => inUse.includes(r.releaseId)).length;
          // The new release itself is added after: one more than the carried-over targets.
          assert.ok(next.ids.size + 1 <= keep * groups.size + listedInUse, `${next.ids.size} + 1 targets`);
          const ofGroup = releases.filter((r) => sameGroup(r, added)).map((r) => r.versionCode);
          assert.equal(next.versionCode, Math.max(0, ...ofGroup) + 1);
          assert.equal(next.ids.size + next.dropped.length, releases.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
