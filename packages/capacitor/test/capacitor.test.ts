import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serveTestRepo } from '@updraft/test-kit/served-repo';
import type { TestRepo } from '@updraft/test-kit/test-repo';
import type { Sha256Digest } from '../src/platform.js';
import { CapacitorUpdraft } from '../src/updraft.js';
import { FakeWebView, MemoryFilesystem } from './fake-capacitor.js';

const web = (n: number, html: string, mandatory = false) => ({
  releaseId: `w${n}`,
  versionCode: n,
  launch: 'index.html',
  files: { 'index.html': html, 'js/app.js': `app(${n})` },
  mandatory,
});

function page(repo: TestRepo, fs: MemoryFilesystem, webView: FakeWebView, subtle?: Sha256Digest | null) {
  return CapacitorUpdraft.create(
    {
      ...repo.deviceTarget(),
      trustedRoot: new TextDecoder().decode(repo.root(1)),
      allowInsecureLocalhost: true,
      readyTimeoutMs: 0,
    },
    { filesystem: fs.api, webView: webView.api, ...(subtle !== undefined ? { subtle } : {}) },
  );
}

test('install, switch the WebView to the trial, adopt it after the reload, persist it once ready', async () => {
  const repo = await serveTestRepo();
  repo.publish(web(1, '<h1>one</h1>'));
  const fs = new MemoryFilesystem();
  const webView = new FakeWebView();

  const first = await page(repo, fs, webView);
  assert.equal((await first.start()).releaseId, null);
  assert.equal((await first.client.status()).pending?.releaseId, 'w1');

  webView.coldStart();
  const cold = await page(repo, fs, webView);
  const launch = await cold.start();
  assert.equal(launch.releaseId, 'w1');
  const folder = `${fs.root}/updraft/releases/w1`;
  assert.equal(webView.current, folder);
  assert.equal(webView.persisted, '/android_asset/public', 'a trial is never the cold-start bundle');

  const reloaded = await page(repo, fs, webView); // the page reloaded into the trial
  const again = await reloaded.start();
  assert.equal(again.releaseId, 'w1');
  assert.equal(again.rolledBack, undefined, 'the reload is the trial itself, not a second launch');
  await reloaded.notifyAppReady();
  assert.equal(webView.persisted, folder);
  assert.deepEqual((await reloaded.client.status()).confirmed, { releaseId: 'w1', versionCode: 1 });
  const html = fs.files.get(`DATA/updraft/releases/w1/index.html`) as Uint8Array;
  assert.equal(new TextDecoder().decode(html), '<h1>one</h1>');
});

test('a trial that dies before notifyAppReady() is rolled back at the next cold start', async () => {
  const repo = await serveTestRepo();
  repo.publish(web(1, 'good'));
  const fs = new MemoryFilesystem();
  const webView = new FakeWebView();
  await (await page(repo, fs, webView)).start();
  webView.coldStart();
  await (await page(repo, fs, webView)).start();
  const ok = await page(repo, fs, webView);
  await ok.start();
  await ok.notifyAppReady();
  repo.publish(web(2, 'white screen'));
  await ok.sync();

  webView.coldStart();
  await (await page(repo, fs, webView)).start(); // switches to the w2 trial …
  assert.match(webView.current, /releases\/w2$/);
  // … which crashes before its start(). The process dies; the next cold start:
  webView.coldStart();
  assert.match(webView.current, /releases\/w1$/);
  const after = await page(repo, fs, webView);
  const launch = await after.start();
  assert.equal(launch.releaseId, 'w1');
  assert.deepEqual(launch.rolledBack, { releaseId: 'w2', versionCode: 2 });
  assert.deepEqual((await after.client.status()).failed, [{ releaseId: 'w2', versionCode: 2 }]);
  assert.match(webView.current, /releases\/w1$/);
});

test('a mandatory release switches at once; hashing falls back to noble without WebCrypto', async () => {
  const repo = await serveTestRepo();
  repo.publish(web(1, 'must have', true));
  const fs = new MemoryFilesystem();
  const webView = new FakeWebView();
  const app = await page(repo, fs, webView, null);
  await app.start();
  assert.match(webView.current, /releases\/w1$/, 'restart hook switched the WebView');
  assert.equal(webView.persisted, '/android_asset/public');
  const reloaded = await page(repo, fs, webView, null);
  assert.equal((await reloaded.start()).rolledBack, undefined);
});

test('a tampered file is rejected as hash and the WebView stays where it is', async () => {
  const repo = await serveTestRepo();
  const { fileSha256 } = repo.publish(web(1, 'real'));
  repo.files.set(repo.url(`targets/files/${fileSha256['index.html']}`), new TextEncoder().encode('evil'));
  const fs = new MemoryFilesystem();
  const webView = new FakeWebView();
  const app = await page(repo, fs, webView);
  const reasons: string[] = [];
  app.on('error', (e) => reasons.push(e.reason));
  await app.start();
  assert.deepEqual(reasons, ['hash']);
  assert.equal(webView.current, '/android_asset/public');
});
