/**
 * Client install overhead: installing a 10 MB, 300-file release with the Node adapter
 * (`createNodeClient().sync()`: TUF refresh, manifest, download, SHA-256 of every file,
 * staging, fsync, rename, state write) against simply downloading the same 300 files from
 * the same server into a folder with fetch, in the same run. Target: ratio ≤ 1.3.
 *
 *   npm run build && node --import tsx bench/client-install.ts [rounds=5]
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createNodeClient } from '@updraft/client/node';
import { runCli, startServerProcess } from '@updraft/test-kit/cli';
import { median } from './stats.js';

const FILES = 300;
const TOTAL = 10 * 1024 * 1024;
const APP = 'com.example.bench';
const rounds = Number(process.argv[2] ?? 5);
const CONCURRENCY = 4;

function fileBytes(i: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (i + 1) * 2654435761;
  for (let j = 0; j < size; j++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[j] = x >>> 24; // incompressible, so transport compression cannot flatter either side
  }
  return out;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'updraft-bench-'));
  const server = await startServerProcess(join(work, 'data'));
  try {
    const env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
    const keys = join(work, 'keys');
    const created = await runCli(['apps', 'create', APP, '--keys', keys, '--json'], env);
    if (created.code !== 0) throw new Error(created.stderr);
    const bundle = join(work, 'bundle');
    const sizes = Array.from({ length: FILES }, (_, i) => Math.floor(TOTAL / FILES) + (i === 0 ? TOTAL % FILES : 0));
    for (let i = 0; i < FILES; i++) {
      const dir = join(bundle, `chunk${i % 10}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `file${i}.js`), fileBytes(i, sizes[i]!));
    }
    const launch = 'chunk0/file0.js';
    const pub = await runCli(
      [
        'publish',
        bundle,
        '--app',
        APP,
        '--platform',
        'node',
        '--runtime-version',
        '1',
        '--channel',
        'production',
        '--launch',
        launch,
        '--keys',
        keys,
        '--json',
      ],
      env,
    );
    if (pub.code !== 0) throw new Error(pub.stderr);
    const root = await readFile(join(keys, 'root.json'));

    // The exact file URLs the device will fetch, from the manifest the server serves.
    const { createHash } = await import('node:crypto');
    const urls: string[] = [];
    for (let i = 0; i < FILES; i++) {
      const hash = createHash('sha256').update(fileBytes(i, sizes[i]!)).digest('hex');
      urls.push(`${server.url}/repo/${APP}/targets/files/${hash}`);
    }

    // The same number of parallel requests as the client (downloadConcurrency, default 4).
    const reference = async (dir: string) => {
      await mkdir(dir, { recursive: true });
      let next = 0;
      const worker = async () => {
        while (next < urls.length) {
          const i = next++;
          const res = await fetch(urls[i]!);
          if (res.status !== 200) throw new Error(`${urls[i]} answered ${res.status}`);
          await writeFile(join(dir, `f${i}`), new Uint8Array(await res.arrayBuffer()));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    };
    const install = async (dir: string) => {
      const client = createNodeClient({
        dir,
        server: server.url,
        appId: APP,
        platform: 'node',
        runtimeVersion: '1',
        channel: 'production',
        trustedRoot: root,
        allowInsecureLocalhost: true,
        readyTimeoutMs: 0,
        downloadConcurrency: CONCURRENCY,
      });
      const result = await client.sync();
      if (result.status !== 'updated' || result.bytesDownloaded !== TOTAL) throw new Error(JSON.stringify(result));
    };

    await reference(join(work, 'warm-ref')); // warms the server's file cache and the connection pool
    await install(join(work, 'warm-client'));
    const ref: number[] = [];
    const cli: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const [name, run, out] of [
        ['ref', reference, ref],
        ['client', install, cli],
      ] as const) {
        const dir = join(work, `${name}-${r}`);
        const t0 = performance.now();
        await run(dir);
        out.push(performance.now() - t0);
        await rm(dir, { recursive: true, force: true });
      }
    }
    // Each round runs both back to back, so the per-round ratio cancels most of the load
    // that other jobs put on a shared machine; its median is the claim.
    const ratio = median(cli.map((c, i) => c / ref[i]!));
    console.log(
      JSON.stringify(
        {
          files: FILES,
          bytes: TOTAL,
          rounds,
          referenceMsMedian: Math.round(median(ref)),
          clientMsMedian: Math.round(median(cli)),
          ratiosPerRound: cli.map((c, i) => Number((c / ref[i]!).toFixed(2))),
          ratio: Number(ratio.toFixed(2)),
          target: 1.3,
          pass: ratio <= 1.3,
        },
        null,
        2,
      ),
    );
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
