import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { jsLikePair, randomBytes } from '@updraft/test-kit/bundles';
import { appOnServer } from '@updraft/test-kit/app-on-server';
import { deviceSyncArgs, publishArgs, runCli } from '@updraft/test-kit/cli';
import { startNginx, type Nginx } from '@updraft/test-kit/nginx';
import { skipOrFail } from '@updraft/test-kit/services';

// The same device scenario over the three ways a device reaches a repository in real use:
// straight to `updraft serve`; through a real nginx reverse proxy in front of it (gzip on for
// every type, proxy buffering and its own cache on, as sites and CDNs run); and through nginx
// serving an `updraft export` folder (static mode). Proxies re-encode and cache what they
// pass: hashes and caps must hold over the decoded bytes whatever the path did to them.

type Path = 'direct' | 'nginx proxy' | 'nginx static';
const PATHS: Path[] = ['direct', 'nginx proxy', 'nginx static'];

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const bundles = jsLikePair(60_000, 7);

/** A realistic release tree: a compressible bundle, and assets that do not compress. */
function tree(version: 1 | 2): Record<string, Uint8Array> {
  return {
    'index.ios.bundle': version === 1 ? bundles.old : bundles.next,
    // The 7,000-byte PNG of the issue: gzip makes it longer than its signed length.
    'assets/logo@2x.png': Uint8Array.from([...PNG_SIGNATURE, ...randomBytes(7000 - 8, 1)]),
    // No signature a server could recognise: only measuring shows it does not shrink.
    'assets/data/noise.bin': randomBytes(20_000, 2),
    'assets/fonts/Inter.woff2': Uint8Array.from([...new TextEncoder().encode('wOF2'), ...randomBytes(12_000, 3)]),
    'assets/strings/fr é.json': new TextEncoder().encode(JSON.stringify({ hello: 'bonjour', version })),
  };
}

for (const path of PATHS) {
  describe(`device over ${path}`, () => {
    const APP = `com.example.paths.${path.replace(/ /g, '-')}`;
    const f = appOnServer(APP, 'paths');
    let nginx: Nginx | null = null;
    let deviceUrl = '';
    const site = () => join(f.work.path, 'site');

    after(async () => {
      await nginx?.stop();
    });

    /** Starts the path's front (once) and waits until it serves the origin's newest timestamp. */
    async function front(t: { skip(message?: string): void }): Promise<boolean> {
      if (path === 'nginx static') {
        const out = await runCli(['export', '--app', APP, '--out', site(), '--data', f.server.dataDir, '--json']);
        assert.equal(out.code, 0, out.stderr);
      }
      if (path !== 'direct' && !nginx) {
        const started = await startNginx(path === 'nginx proxy' ? { proxyTo: f.server.url } : { staticRoot: site() });
        if (typeof started === 'string') {
          skipOrFail(t, `device over ${path}`, started);
          return false;
        }
        nginx = started;
      }
      deviceUrl = nginx?.url ?? f.server.url;
      // A caching proxy may keep timestamp.json for its max-age (10 s): devices see a
      // release that late, by design. Wait for it instead of testing a stale copy.
      const ts = `/repo/${APP}/metadata/timestamp.json`;
      const origin = Buffer.from(await (await fetch(f.server.url + ts)).arrayBuffer());
      const deadline = Date.now() + 15_000;
      for (;;) {
        const seen = Buffer.from(await (await fetch(deviceUrl + ts)).arrayBuffer());
        if (seen.equals(origin)) return true;
        assert.ok(Date.now() < deadline, `${path} still serves an old timestamp.json after 15 s`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }

    async function publish(version: 1 | 2): Promise<string> {
      const dir = join(f.work.path, `v${version}`);
      for (const [file, bytes] of Object.entries(tree(version))) {
        await mkdir(dirname(join(dir, file)), { recursive: true });
        await writeFile(join(dir, file), bytes);
      }
      const pub = await runCli(publishArgs({ dir, app: APP, keys: f.keys }), f.env);
      assert.equal(pub.code, 0, pub.stderr);
      return (pub.json as { releaseId: string }).releaseId;
    }

    /** Sync, launch and confirm; every installed file equals the published bytes. */
    async function syncAndCheck(device: string, releaseId: string, version: 1 | 2): Promise<void> {
      const sync = await runCli(
        deviceSyncArgs({
          server: deviceUrl,
          app: APP,
          root: join(f.keys, 'root.json'),
          dir: join(f.work.path, device),
        }),
      );
      assert.equal(sync.code, 0, `${device}: ${sync.stdout}${sync.stderr}`);
      assert.equal(sync.json?.['status'], 'updated', sync.stdout);
      assert.equal(sync.json?.['release'], releaseId);
      const launch = await runCli(['device', 'launch', '--dir', join(f.work.path, device), '--json']);
      assert.equal(launch.code, 0, launch.stderr);
      const installed = dirname(launch.json?.['launchPath'] as string);
      for (const [file, bytes] of Object.entries(tree(version))) {
        assert.deepEqual(new Uint8Array(await readFile(join(installed, file))), bytes, `${device}: ${file}`);
      }
      assert.equal((await runCli(['device', 'ready', '--dir', join(f.work.path, device), '--json'])).code, 0);
    }

    it('two devices install v1 (the second from warm caches), then v2, every byte as published', async (t) => {
      const v1 = await publish(1);
      if (!(await front(t))) return;
      await syncAndCheck('device-a', v1, 1);
      await syncAndCheck('device-b', v1, 1);

      const v2 = await publish(2);
      await front(t);
      await syncAndCheck('device-a', v2, 2);

      if (path === 'nginx proxy') {
        const log = (await nginx!.accessLog()).filter((l) => l.includes('/targets/'));
        assert.ok(
          log.some((l) => / HIT /.test(l)),
          `nginx served release files from its cache:\n${log.join('\n')}`,
        );
        assert.ok(
          log.some((l) => / (br|gzip) /.test(l)),
          `some answers were encoded on the way:\n${log.join('\n')}`,
        );
      }
    });
  });
}
