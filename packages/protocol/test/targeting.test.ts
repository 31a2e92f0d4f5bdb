import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  chooseRelease,
  manifestTargetPath,
  matchesTargeting,
  parseTargeting,
  pointerTargetPath,
  rolloutBucket,
  satisfies,
  targetingMismatch,
  UpdraftError,
  type DeviceAttributes,
  type TargetingRules,
  type TargetsSigned,
} from '../src/index.js';

const targetingVectors = JSON.parse(readFileSync(new URL('./vectors/targeting.json', import.meta.url), 'utf8')) as {
  vectors: { rules: TargetingRules; device: DeviceAttributes; matches: boolean }[];
};

// node-semver is the reference for the range syntax we accept (the pure matcher must agree).
const nodeSemver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
};

test('targeting matches the committed vectors', () => {
  for (const v of targetingVectors.vectors) {
    const rules = parseTargeting(v.rules, 'rules');
    assert.equal(matchesTargeting(rules, v.device), v.matches, JSON.stringify(v));
    assert.equal(targetingMismatch(rules, v.device) === null, v.matches);
  }
});

test('semver ranges agree with node-semver on a grid of versions and ranges', () => {
  const ranges = [
    '1.2.3',
    '=1.2.3',
    '>1.2',
    '>=1.2.3',
    '<2',
    '<=2.0.0',
    '<=1.2',
    '1.2.x',
    '1.x',
    '*',
    'x',
    '^1.2.3',
    '^0.2.3',
    '^0.0.3',
    '^0.0',
    '^1',
    '~1.2.3',
    '~1.2',
    '~1',
    '~0.2',
    '1.2.3 - 2.0.0',
    '1.2 - 2',
    '>=1.2 <2',
    '>= 1.0.0 < 1.5',
    '^1 || ^3',
    '1.x || >=2.5.0 || 5.0.0 - 7.2.3',
    '>2.0.0',
    '<1.0.0',
    'v1.2.3',
  ];
  const versions: string[] = [];
  for (const major of [0, 1, 2, 3, 5, 7])
    for (const minor of [0, 1, 2, 3, 5, 9])
      for (const patch of [0, 2, 3, 4, 9]) versions.push(`${major}.${minor}.${patch}`);
  let checked = 0;
  for (const range of ranges) {
    for (const version of versions) {
      assert.equal(satisfies(version, range), nodeSemver.satisfies(version, range), `${version} in "${range}"`);
      checked++;
    }
  }
  assert.ok(checked > 5000);
});

test('semver: prereleases order by precedence and a release ranks above its prereleases', () => {
  assert.ok(satisfies('1.0.0-beta.2', '>=1.0.0-beta.1'));
  assert.ok(!satisfies('1.0.0-beta.1', '>=1.0.0-beta.2'));
  assert.ok(!satisfies('1.0.0-rc.1', '>=1.0.0'));
  assert.ok(satisfies('1.0.0', '>1.0.0-rc.1'));
  assert.ok(!satisfies('2.0.0-alpha', '<2'), '<2 excludes every 2.0.0 prerelease');
});

test('bad ranges and rules are refused as malformed, naming the field', () => {
  for (const bad of ['', '  ', '>=1.2.3.4', 'abc', '1.2.3 ||', '>=>1', 'x'.repeat(300)]) {
    assert.throws(
      () => parseTargeting({ appVersion: bad }, 'targeting'),
      (err: unknown) => {
        assert.ok(err instanceof UpdraftError && err.reason === 'malformed');
        assert.match(err.message, /targeting\.appVersion/);
        return true;
      },
    );
  }
  assert.throws(() => parseTargeting({ os: '>=1' }, 't'), /t\.os/);
  assert.throws(() => parseTargeting({ arch: [] }, 't'), /t\.arch/);
  assert.throws(() => parseTargeting({ arch: ['../x'] }, 't'), /t\.arch\[0\]/);
  assert.throws(() => parseTargeting({ custom: { 'bad key': 'v' } }, 't'), /t\.custom/);
  assert.throws(() => parseTargeting({ custom: { k: 5 } }, 't'), /t\.custom\.k/);
  assert.throws(() => parseTargeting('>=1', 't'), /t must be an object/);
});

// ---- chooseRelease: rollout, targeting and the previous release -------------------------

const sha = (c: string) => c.repeat(64);
function releasesRole(...ids: [string, number, string][]): TargetsSigned {
  const targets: TargetsSigned['targets'] = {};
  for (const [id, versionCode, hash] of ids) {
    targets[manifestTargetPath(id)] = {
      length: 100,
      hashes: { sha256: sha(hash) },
      custom: {
        updraft: {
          appId: 'app',
          releaseId: id,
          platform: 'ios',
          runtimeVersion: '1',
          versionCode,
          epoch: 0,
          channels: ['*'],
          createdAt: '2026-01-01T00:00:00Z',
        },
      },
    };
  }
  return {
    _type: 'targets',
    spec_version: '1.0.31',
    version: 1,
    expires: '2099-01-01T00:00:00Z',
    targets,
  } as TargetsSigned;
}
function directorRole(pointer: Record<string, unknown>): TargetsSigned {
  return {
    _type: 'targets',
    spec_version: '1.0.31',
    version: 1,
    expires: '2099-01-01T00:00:00Z',
    targets: {
      [pointerTargetPath('production', 'ios', '1')]: {
        length: 100,
        hashes: { sha256: sha('b') },
        custom: {
          updraft: {
            channel: 'production',
            platform: 'ios',
            runtimeVersion: '1',
            releaseId: 'r2',
            versionCode: 2,
            mandatory: false,
            rollout: { basisPoints: 10000, salt: 's' },
            previous: { releaseId: 'r1', versionCode: 1, length: 100, sha256: sha('a') },
            ...pointer,
          },
        },
      },
    },
  } as TargetsSigned;
}
const releases = releasesRole(['r1', 1, 'a'], ['r2', 2, 'b']);
const device = (deviceId: string, attributes?: DeviceAttributes) => ({
  appId: 'app',
  platform: 'ios',
  runtimeVersion: '1',
  channel: 'production',
  deviceId,
  ...(attributes ? { attributes } : {}),
});

test('chooseRelease: a device outside the rollout keeps receiving the previous release', () => {
  const inside = Array.from({ length: 200 }, (_, i) => `d${i}`).find((id) => rolloutBucket('s', id) < 2500)!;
  const outside = Array.from({ length: 200 }, (_, i) => `d${i}`).find((id) => rolloutBucket('s', id) >= 2500)!;
  const director = directorRole({ rollout: { basisPoints: 2500, salt: 's' } });
  assert.equal(chooseRelease(director, releases, device(inside))!.release.releaseId, 'r2');
  const out = chooseRelease(director, releases, device(outside))!;
  assert.equal(out.release.releaseId, 'r1');
  assert.equal(out.servedFrom, 'previous');
  // Halted (0 bp): everyone gets the previous release; with no previous: nothing.
  assert.equal(
    chooseRelease(directorRole({ rollout: { basisPoints: 0, salt: 's' } }), releases, device(inside))!.release
      .releaseId,
    'r1',
  );
  assert.equal(
    chooseRelease(directorRole({ rollout: { basisPoints: 0, salt: 's' }, previous: null }), releases, device(inside)),
    null,
  );
});

test('chooseRelease: targeting sends non-matching devices to the previous release when it is for them', () => {
  const director = directorRole({
    targeting: { appVersion: '>=2' },
    previous: { releaseId: 'r1', versionCode: 1, length: 100, sha256: sha('a'), targeting: { arch: ['arm64'] } },
  });
  assert.equal(chooseRelease(director, releases, device('x', { appVersion: '2.0.0' }))!.release.releaseId, 'r2');
  assert.equal(
    chooseRelease(director, releases, device('x', { appVersion: '1.9.0', arch: 'arm64' }))!.release.releaseId,
    'r1',
  );
  assert.equal(chooseRelease(director, releases, device('x', { appVersion: '1.9.0', arch: 'x86_64' })), null);
  assert.equal(chooseRelease(director, releases, device('x')), null, 'a device that reports nothing gets neither');
  // Signed targeting that does not parse is refused, never ignored.
  assert.throws(
    () => chooseRelease(directorRole({ targeting: { appVersion: '>=>2' } }), releases, device('x')),
    /targeting\.appVersion/,
  );
});

test('chooseRelease: a pointer to a release the publisher did not sign for the channel is refused (promote-by-signature)', () => {
  // The server signs the director, so a server that promotes outside the signed channel list
  // can write this pointer; the device refuses it.
  const stagingOnly = structuredClone(releases);
  const r2 = stagingOnly.targets[manifestTargetPath('r2')]!.custom as { updraft: { channels: string[] } };
  r2.updraft.channels = ['staging'];
  assert.throws(
    () => chooseRelease(directorRole({}), stagingOnly, device('x')),
    (err: unknown) =>
      err instanceof UpdraftError &&
      err.reason === 'wrong-target' &&
      /not signed for channel production/.test(err.message),
  );
  r2.updraft.channels = ['staging', 'production'];
  assert.equal(chooseRelease(directorRole({}), stagingOnly, device('x'))!.release.releaseId, 'r2');
});
