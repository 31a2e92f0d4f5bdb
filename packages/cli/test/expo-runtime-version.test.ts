import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runtimeVersionWarnings } from '../src/expo/runtime-version.js';

// `publish --expo` against the app's Expo config: the runtime version its builds report (a
// string, or a policy resolved as @expo/config-plugins does) must be --runtime-version, or no
// device built from it sees the update. The end-to-end path (which config is read, where the
// warning shows) is in test/e2e/expo-runtime-version.test.ts.

const both = ['ios', 'android'] as const;
const warn = (config: Record<string, unknown> | null, rv = '1.0.0', platforms: readonly ('ios' | 'android')[] = both) =>
  runtimeVersionWarnings({ file: 'app.json', config }, platforms, rv);

describe('runtime version of the Expo config against --runtime-version', () => {
  it('says nothing when they agree: a string, or the appVersion policy from the (platform) version', () => {
    assert.deepEqual(warn({ runtimeVersion: '1.0.0' }), []);
    assert.deepEqual(warn({ runtimeVersion: { policy: 'appVersion' }, version: '1.0.0' }), []);
    // appVersion with no version at all is 1.0.0, as Expo resolves it.
    assert.deepEqual(warn({ runtimeVersion: { policy: 'appVersion' } }), []);
    assert.deepEqual(
      warn({ runtimeVersion: { policy: 'appVersion' }, version: '9', ios: { version: '2.1' } }, '2.1', ['ios']),
      [],
    );
  });

  it('warns when the string or the policy gives another value, saying where it comes from and what to pass', () => {
    const [w, ...rest] = warn({ runtimeVersion: '1.1.0' });
    assert.equal(rest.length, 0, 'one message for both platforms');
    assert.match(w!, /app\.json sets runtimeVersion "1\.1\.0"/);
    assert.match(w!, /never see this update/);
    assert.match(w!, /--runtime-version 1\.1\.0/);
    const [p] = warn({ runtimeVersion: { policy: 'appVersion' }, version: '2.0.0' });
    assert.match(p!, /runtimeVersion \{"policy": "appVersion"\}, the app version: .* report runtime version "2\.0\.0"/);
  });

  it('a platform whose own runtimeVersion differs is named', () => {
    const out = warn({ runtimeVersion: '1.0.0', android: { runtimeVersion: '1.0.1' } });
    assert.equal(out.length, 1);
    assert.match(out[0]!, /^android: app\.json sets android\.runtimeVersion "1\.0\.1"/);
  });

  it('nativeVersion and sdkVersion give values devices cannot get from Updraft; fingerprint cannot be checked', () => {
    const [n] = warn(
      { runtimeVersion: { policy: 'nativeVersion' }, version: '1.0.0', ios: { buildNumber: '7' } },
      '1.0.0',
      ['ios'],
    );
    assert.match(n!, /"1\.0\.0\(7\)", which is not an Updraft identifier/);
    const [s] = warn({ runtimeVersion: { policy: 'sdkVersion' }, sdkVersion: '52.0.0' });
    assert.match(s!, /"exposdk:52\.0\.0", which is not an Updraft identifier/);
    const [f] = warn({ runtimeVersion: { policy: 'fingerprint' } }, '1.0.0', ['android']);
    assert.match(f!, /could not be checked/);
    assert.match(f!, /npx expo-updates runtimeversion:resolve --platform android/);
  });

  it('no runtimeVersion, or a config that is code: says it could not check, and how to make sure', () => {
    const [none] = warn({ name: 'x' });
    assert.match(none!, /sets no runtimeVersion/);
    const [code] = runtimeVersionWarnings({ file: 'app.config.ts', config: null }, both, '1.0.0');
    assert.match(code!, /app\.config\.ts is code, so its runtime version was not checked/);
    assert.match(code!, /npx expo config --type public/);
    assert.match(code!, /--build expo/);
  });
});
