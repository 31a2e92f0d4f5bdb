/**
 * Benchmark: the cost of trust on a device (docs/benchmarks.md, "Trust: update checks").
 *
 *   npm run build && node --import tsx bench/trust-refresh.bench.ts [--iterations 300]
 *
 * A real server process and the real CLI make an app and its releases; the real Node client
 * engine then syncs. Network is taken out of the measurement by replaying the server's exact
 * bytes from memory (a recording transport), so what is timed is verification and the
 * device's own storage. The reference, measured in the same run, is one bare HTTP GET of
 * timestamp.json from the same server: what a check costs an updater that verifies nothing.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createNodeClient, NodeTransport } from '@updraft/client/node';
import type { DownloadOptions, DownloadResult, FetchOptions, FetchResult, Transport } from '@updraft/client';
import {
  chooseRelease,
  loadTrustedRoot,
  parseJsonObject,
  parseManifest,
  sha256Hex,
  parseSnapshot,
  parseTimestamp,
  verifyDelegatedTargets,
  verifySnapshot,
  verifyTimestamp,
  verifyTopTargets,
} from '@updraft/protocol';
import { nodeSignatureBackend } from '@updraft/client/node';
import { setSignatureBackend } from '@updraft/protocol';
import { runCli, startServerProcess } from '@updraft/test-kit/cli';

const iterations = Number(process.argv[process.argv.indexOf('--iterations') + 1]) || 300;
const APP = 'com.example.bench';

/** Serves recorded responses; records from the network when a URL is new (setup only). */
class ReplayTransport implements Transport {
  readonly recorded = new Map<string, { status: number; bytes: Uint8Array }>();
  requests = 0;
  offline = false;
  private readonly net = new NodeTransport();

  async fetchBytes(url: string, options: FetchOptions): Promise<FetchResult> {
    this.requests++;
    let hit = this.recorded.get(url);
    if (!hit) {
      if (this.offline) return { status: 404, bytes: new Uint8Array(0) };
      hit = await this.net.fetchBytes(url, options);
      this.recorded.set(url, hit);
    }
    return hit;
  }

  async downloadToFile(url: string, destination: string, options: DownloadOptions): Promise<DownloadResult> {
    this.requests++;
    let hit = this.recorded.get(url);
    if (!hit) {
      hit = await this.net.fetchBytes(url, options);
      this.recorded.set(url, hit);
    }
    if (hit.status === 200) await writeFile(destination, hit.bytes);
    return { status: hit.status, bytesWritten: hit.status === 200 ? hit.bytes.length : 0 };
  }
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p95: at(0.95), min: s[0]! };
}

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'updraft-bench-'));
  const server = await startServerProcess(join(work, 'data'));
  const env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  try {
    const keys = join(work, 'keys');
    const cli = async (args: string[]) => {
      const r = await runCli(args, env);
      if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    };
    await cli(['apps', 'create', APP, '--keys', keys]);
    const publish = async (tag: string) => {
      const dir = join(work, tag);
      await mkdir(dir, { recursive: true });
      for (let i = 0; i < 20; i++) await writeFile(join(dir, `asset-${i}.js`), `/* ${tag} */ ${'x'.repeat(2000 + i)}`);
      await writeFile(join(dir, 'index.js'), `console.log(${JSON.stringify(tag)})`);
      await cli([
        'publish',
        dir,
        '--app',
        APP,
        '--platform',
        'node',
        '--runtime-version',
        '1',
        '--channel',
        'production',
        '--keys',
        keys,
        '--launch',
        'index.js',
      ]);
    };
    // A repository with some history: 30 releases in the signed releases role.
    for (let i = 1; i <= 30; i++) await publish(`v${i}`);
    const trustedRoot = new Uint8Array(await readFile(join(keys, 'root.json')));

    const make = (dir: string, transport: Transport) =>
      createNodeClient({
        dir,
        server: server.url,
        appId: APP,
        platform: 'node',
        runtimeVersion: '1',
        channel: 'production',
        trustedRoot,
        allowInsecureLocalhost: true,
        deviceId: 'bench',
        transport,
      });

    // 1. Warm no-update check.
    const warm = new ReplayTransport();
    const warmDir = join(work, 'device-warm');
    const device = make(warmDir, warm);
    if ((await device.sync()).status !== 'updated') throw new Error('setup sync failed');
    warm.offline = true;
    const noUpdate: number[] = [];
    const bare: number[] = [];
    const verifyOnly: number[] = [];
    let requestsPerCheck = 0;
    const local = async (role: string) => new Uint8Array(await readFile(join(warmDir, 'metadata', `${role}.json`)));
    const bytes = {
      timestamp: await local('timestamp'),
      snapshot: await local('snapshot'),
      targets: await local('targets'),
      releases: await local('releases'),
      director: await local('director'),
    };
    const target = { appId: APP, platform: 'node', runtimeVersion: '1', channel: 'production', deviceId: 'bench' };
    // Exactly the checks the engine runs on a warm no-update check, on the same bytes.
    const verifyWarm = () => {
      const now = Date.now();
      const root = loadTrustedRoot(trustedRoot).signed;
      // Each verify* call checks the role's signature threshold, lengths, hashes and expiry once.
      const ts = verifyTimestamp(root, bytes.timestamp, null, now).signed;
      const snap = verifySnapshot(root, bytes.snapshot, ts, null, now).signed;
      const targets = verifyTopTargets(root, bytes.targets, snap, null, now).signed;
      const releases = verifyDelegatedTargets(targets, 'releases', bytes.releases, snap, null, now).signed;
      const director = verifyDelegatedTargets(targets, 'director', bytes.director, snap, null, now).signed;
      return chooseRelease(director, releases, target);
    };
    for (let i = 0; i < iterations; i++) {
      warm.requests = 0;
      let t0 = performance.now();
      const r = await device.sync();
      noUpdate.push(performance.now() - t0);
      if (r.status !== 'up-to-date') throw new Error(`expected up-to-date, got ${r.status} ${r.message}`);
      requestsPerCheck = warm.requests;
      // Reference, interleaved so machine load hits both alike: a bare GET of timestamp.json.
      t0 = performance.now();
      await (await fetch(`${server.url}/repo/${APP}/metadata/timestamp.json`)).arrayBuffer();
      bare.push(performance.now() - t0);
      t0 = performance.now();
      if (!verifyWarm()) throw new Error('no release chosen');
      verifyOnly.push(performance.now() - t0);
    }
    // The first check after an app start: a new engine instance, nothing verified in memory yet.
    const firstAfterStart: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const fresh = make(warmDir, warm);
      const t0 = performance.now();
      const r = await fresh.sync();
      firstAfterStart.push(performance.now() - t0);
      if (r.status !== 'up-to-date') throw new Error(`expected up-to-date, got ${r.status} ${r.message}`);
    }
    setSignatureBackend(null);
    const pureJs: number[] = [];
    for (let i = 0; i < Math.min(iterations, 30); i++) {
      const t0 = performance.now();
      verifyWarm();
      pureJs.push(performance.now() - t0);
    }
    setSignatureBackend(nodeSignatureBackend);

    // 2. Full chain refresh after a release: a device at the previous release, a new one out.
    const before = join(work, 'device-before');
    await cp(warmDir, before, { recursive: true });
    await publish('v31');
    const chain = new ReplayTransport();
    const first = join(work, 'device-first');
    await cp(before, first, { recursive: true });
    if ((await make(first, chain).sync()).status !== 'updated')
      throw new Error('setup: the new release did not install');
    chain.offline = true;
    // The metadata chain alone: the new timestamp, snapshot, targets, releases and director
    // verified against the device's previous copies, the release chosen, its manifest checked.
    const read = async (dir: string, role: string) =>
      new Uint8Array(await readFile(join(dir, 'metadata', `${role}.json`)));
    const old = {
      timestamp: parseTimestamp(parseJsonObject(await read(before, 'timestamp'), 'ts')).signed,
      snapshot: parseSnapshot(parseJsonObject(await read(before, 'snapshot'), 'snap')).signed,
    };
    const fresh = {
      timestamp: await read(first, 'timestamp'),
      snapshot: await read(first, 'snapshot'),
      targets: await read(first, 'targets'),
      releases: await read(first, 'releases'),
      director: await read(first, 'director'),
    };
    const manifests = [...chain.recorded.entries()].filter(([url]) => url.includes('/targets/manifests/'));
    const chainOnly: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      const now = Date.now();
      const root = loadTrustedRoot(trustedRoot).signed;
      const ts = verifyTimestamp(root, fresh.timestamp, old.timestamp, now).signed;
      const snap = verifySnapshot(root, fresh.snapshot, ts, old.snapshot, now).signed;
      const targets = verifyTopTargets(root, fresh.targets, snap, null, now).signed;
      const releases = verifyDelegatedTargets(targets, 'releases', fresh.releases, snap, null, now).signed;
      const director = verifyDelegatedTargets(targets, 'director', fresh.director, snap, null, now).signed;
      const chosen = chooseRelease(director, releases, {
        appId: APP,
        platform: 'node',
        runtimeVersion: '1',
        channel: 'production',
        deviceId: 'bench',
      });
      const manifest = manifests.find(([url]) => url.includes(chosen!.sha256))![1].bytes;
      if (sha256Hex(manifest) !== chosen!.sha256) throw new Error('manifest hash');
      parseManifest(parseJsonObject(manifest, 'manifest'));
      chainOnly.push(performance.now() - t0);
    }
    const full: number[] = [];
    const fullRuns = Math.min(iterations, 100);
    for (let i = 0; i < fullRuns; i++) {
      const dir = join(work, `device-full-${i}`);
      await cp(before, dir, { recursive: true });
      const c = make(dir, chain);
      chain.requests = 0;
      const t0 = performance.now();
      const r = await c.sync();
      full.push(performance.now() - t0);
      if (r.status !== 'updated') throw new Error(`expected updated, got ${r.status} ${r.message}`);
      await rm(dir, { recursive: true, force: true });
    }
    const fullRequests = chain.requests;

    const n = stats(noUpdate);
    const b = stats(bare);
    const f = stats(full);
    const v = stats(verifyOnly);
    const pj = stats(pureJs);
    const c = stats(chainOnly);
    const fs1 = stats(firstAfterStart);
    const report = {
      node: process.version,
      iterations,
      noUpdateCheck: { requests: requestsPerCheck, ...n },
      noUpdateFirstAfterStart: fs1,
      noUpdateVerification: v,
      noUpdateVerificationPureJs: pj,
      bareTimestampGet: b,
      ratioNoUpdateToBareGet: n.median / b.median,
      fullChainVerification: c,
      fullSyncAfterRelease: { requests: fullRequests, runs: fullRuns, ...f },
    };
    console.log(
      [
        `node ${process.version}, ${iterations} iterations, 30 releases in the repository`,
        `warm no-update check: ${requestsPerCheck} request(s)`,
        `  engine cycle, later checks in the app (verified set reused after byte compare + expiry): median ${fmt(n.median)}, p95 ${fmt(n.p95)}`,
        `  engine cycle, first check after an app start (full re-verification): median ${fmt(fs1.median)}, p95 ${fmt(fs1.p95)}`,
        `  of which verification (same checks on the same bytes, OpenSSL): median ${fmt(v.median)}, p95 ${fmt(v.p95)}; pure JS (the phone fallback): median ${fmt(pj.median)}`,
        `reference, one bare HTTP GET of timestamp.json: median ${fmt(b.median)}, p95 ${fmt(b.p95)}`,
        `  ratio engine check (later / first after start) to bare GET: ${(n.median / b.median).toFixed(2)} / ${(fs1.median / b.median).toFixed(2)}`,
        `full chain refresh after a release (timestamp, snapshot, targets, releases, director, choice, manifest): verification median ${fmt(c.median)}, p95 ${fmt(c.p95)}`,
        `  whole engine cycle incl. staging 21 files (${fullRequests} requests replayed from memory): median ${fmt(f.median)}, p95 ${fmt(f.p95)}`,
      ].join('\n'),
    );
    if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 2));
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
