#!/usr/bin/env node
// The device's no-update check, GET /repo/<app>/metadata/timestamp.json with and without
// If-None-Match, served by Updraft vs nginx serving the same bytes from disk. Same machine,
// same run, same wrk settings; each server pinned to one core (taskset), wrk on the other.
// Repeated at several release counts to show the check costs O(1) in the number of releases.
// A third mode is the whole check as a device sends it since the root walk runs at every
// check (TUF §5.3): GET <N+1>.root.json (a 404) and the timestamp with If-None-Match, on the
// same keep-alive connections (a wrk Lua script alternates them).
//
//   npm run build && node bench/check-throughput.mjs [--releases 10,10000] [--duration 10] [--connections 64] [--rounds 3]
//
// Needs wrk, nginx and taskset (apt-get install wrk nginx util-linux). Not a test: it prints
// a Markdown table for docs/benchmarks.md and exits 0 whether or not the targets are met.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'packages/cli/dist/bin.js');
const APP = 'com.bench.app';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const releaseCounts = String(args.releases ?? '10,10000')
  .split(',')
  .map(Number);
const duration = Number(args.duration ?? 10);
const connections = Number(args.connections ?? 64);
const rounds = Number(args.rounds ?? 3);
const SERVER_CORE = availableParallelism() > 1 ? '1' : '0';
const WRK_CORE = '0';

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function spawnPinned(core, cmd, argv, opts = {}) {
  return spawn('taskset', ['-c', core, cmd, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

async function waitForUrl(url) {
  // Up to a minute: a server starting on a loaded machine can take longer than 10 s.
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(url);
      if (r.ok) return r;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(child.pid, 'SIGTERM');
  });
}

function cli(argv, env = {}) {
  return execFileSync(process.execPath, [CLI, ...argv], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
  });
}

async function startUpdraft(dataDir) {
  const port = await freePort();
  const child = spawnPinned(SERVER_CORE, process.execPath, [
    CLI,
    'serve',
    '--port',
    String(port),
    '--data',
    dataDir,
    '--json',
    // Its stdout is a pipe nobody reads: a request log would fill it and stall the server.
    '--log-level',
    'warn',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitForUrl(`${url}/healthz`);
  return { url, child };
}

/** Adds releases and metadata versions straight into the SQLite file, as years of publishing would. */
async function seed(dataDir, extraReleases) {
  const { openSqliteStore } = await import(join(ROOT, 'packages/server/dist/index.js'));
  const store = await openSqliteStore(join(dataDir, 'updraft.db'));
  try {
    const [existing] = await store.releases.listReleases(APP, { limit: 1 });
    const latest = {};
    for (const role of ['releases', 'director', 'snapshot', 'timestamp'])
      latest[role] = await store.trust.getLatestMetadata(APP, role);
    await store.transaction(async (tx) => {
      for (let i = 1; i <= extraReleases; i++) {
        const channel = `ch${i % 100}`;
        await tx.rollout.ensureChannel(APP, channel, existing.createdAt);
        await tx.releases.insertRelease({
          ...existing,
          releaseId: `seed-${i}`,
          versionCode: existing.versionCode + i,
          channel,
          releasesVersion: existing.releasesVersion + i,
        });
        // The timestamp last, so the newest timestamp row is still a validly signed document.
        for (const role of ['releases', 'director', 'snapshot', 'timestamp']) {
          const m = latest[role];
          await tx.trust.putMetadata({ ...m, version: m.version + i });
        }
      }
    });
  } finally {
    await store.close();
  }
}

function nginxConfig(dir, port) {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  types { application/json json; }
  default_type application/octet-stream;
  etag on;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/root;
    location /repo/ { add_header Cache-Control "public, max-age=10, must-revalidate"; }
  }
}
`;
}

async function startNginx(dir, timestampBytes) {
  const port = await freePort();
  mkdirSync(join(dir, 'root/repo', APP, 'metadata'), { recursive: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'root/repo', APP, 'metadata/timestamp.json'), timestampBytes);
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port));
  const child = spawnPinned(SERVER_CORE, 'nginx', [
    '-c',
    join(dir, 'nginx.conf'),
    '-p',
    dir,
    '-e',
    join(dir, 'error.log'),
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitForUrl(`${url}/repo/${APP}/metadata/timestamp.json`);
  return { url, child };
}

function toMs(value, unit) {
  return unit === 'us' ? value / 1000 : unit === 's' ? value * 1000 : value;
}

/** `script`: a wrk Lua script whose requests are expected to be half 404s (the root walk). */
function wrk(url, headers = [], script = null) {
  const argv = ['-c', WRK_CORE, 'wrk', '-t1', `-c${connections}`, `-d${duration}s`, '--latency'];
  for (const h of headers) argv.push('-H', h);
  if (script) argv.push('-s', script);
  const out = execFileSync('taskset', [...argv, url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const total = Number(/(\d+) requests in/.exec(out)[1]);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const allowed = script ? Math.ceil(total / 2) + connections : 0;
  if (non2xx > allowed) throw new Error(`${url}: ${non2xx} error responses of ${total}\n${out}`);
  return { rps, p99: toMs(Number(p99[1]), p99[2]) };
}

/** Alternates root N+1 (a 404) and the timestamp with If-None-Match, as a device's check does. */
function rootWalkScript(dir, nextRoot, etag) {
  const path = join(dir, `walk-${etag.replace(/\W/g, '')}.lua`);
  writeFileSync(
    path,
    `local n = 0
request = function()
  n = n + 1
  if n % 2 == 1 then return wrk.format("GET", "/repo/${APP}/metadata/${nextRoot}.root.json") end
  return wrk.format("GET", "/repo/${APP}/metadata/timestamp.json", { ["If-None-Match"] = ${JSON.stringify(etag)} })
end
`,
  );
  return path;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(releases) {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-bench-'));
  chmodSync(dir, 0o755); // nginx workers run as nobody
  const dataDir = join(dir, 'data');
  let server = await startUpdraft(dataDir);
  const key = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
  const env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: key };
  cli(['apps', 'create', APP, '--keys', join(dir, 'keys'), '--json'], env);
  mkdirSync(join(dir, 'bundle'));
  writeFileSync(join(dir, 'bundle/index.js'), 'console.log("bench")');
  cli(
    [
      'publish',
      join(dir, 'bundle'),
      '--app',
      APP,
      '--platform',
      'ios',
      '--runtime-version',
      '1.0.0',
      '--channel',
      'production',
      '--keys',
      join(dir, 'keys'),
      '--json',
    ],
    env,
  );
  if (releases > 1) {
    await stop(server.child);
    await seed(dataDir, releases - 1);
    server = await startUpdraft(dataDir);
  }
  const path = `/repo/${APP}/metadata/timestamp.json`;
  const res = await waitForUrl(server.url + path);
  const bytes = Buffer.from(await res.arrayBuffer());
  const updraftEtag = res.headers.get('etag');
  const nginx = await startNginx(join(dir, 'nginx'), bytes);
  const nginxEtag = (await fetch(nginx.url + path)).headers.get('etag');
  try {
    // Warm up both (JIT, caches) before measuring.
    for (const url of [server.url, nginx.url]) execFileSync('wrk', ['-t1', '-c16', '-d2s', url + path]);
    const results = {
      plain: { updraft: [], nginx: [] },
      inm: { updraft: [], nginx: [] },
      walk: { updraft: [], nginx: [] },
    };
    const walk = { updraft: rootWalkScript(dir, 2, updraftEtag), nginx: rootWalkScript(dir, 2, nginxEtag) };
    for (let r = 0; r < rounds; r++) {
      // Interleaved, so background load on the machine hits both alike.
      results.plain.updraft.push(wrk(server.url + path));
      results.plain.nginx.push(wrk(nginx.url + path));
      results.inm.updraft.push(wrk(server.url + path, [`If-None-Match: ${updraftEtag}`]));
      results.inm.nginx.push(wrk(nginx.url + path, [`If-None-Match: ${nginxEtag}`]));
      results.walk.updraft.push(wrk(server.url + path, [], walk.updraft));
      results.walk.nginx.push(wrk(nginx.url + path, [], walk.nginx));
    }
    const rows = [];
    const modes = {
      plain: '200 (no If-None-Match)',
      inm: '304 (If-None-Match)',
      walk: 'root N+1 404 + 304, alternating',
    };
    for (const mode of ['plain', 'inm', 'walk']) {
      const u = results[mode].updraft;
      const n = results[mode].nginx;
      const uRps = median(u.map((x) => x.rps));
      const nRps = median(n.map((x) => x.rps));
      rows.push({
        releases,
        mode: modes[mode],
        updraftRps: uRps,
        nginxRps: nRps,
        ratio: uRps / nRps,
        updraftP99: median(u.map((x) => x.p99)),
        nginxP99: median(n.map((x) => x.p99)),
        all: { updraft: u, nginx: n },
      });
    }
    return { rows, timestampBytes: bytes.length };
  } finally {
    await stop(server.child);
    await stop(nginx.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const all = [];
for (const n of releaseCounts) {
  const { rows, timestampBytes } = await measure(n);
  console.error(`measured ${n} releases (timestamp.json ${timestampBytes} bytes)`);
  all.push(...rows);
}
console.log(
  `wrk -t1 -c${connections} -d${duration}s --latency, median of ${rounds} interleaved rounds; server on core ${SERVER_CORE}, wrk on core ${WRK_CORE}\n`,
);
console.log(
  '| releases | answer | Updraft req/s | nginx req/s | ratio (target ≥ 0.65) | Updraft p99 (target ≤ 5 ms) | nginx p99 |',
);
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of all) {
  console.log(
    `| ${r.releases} | ${r.mode} | ${Math.round(r.updraftRps)} | ${Math.round(r.nginxRps)} | ${r.ratio.toFixed(2)}x | ${r.updraftP99.toFixed(2)} ms | ${r.nginxP99.toFixed(2)} ms |`,
  );
}
console.log('\nraw rounds (req/s, p99 ms):');
for (const r of all) {
  const fmt = (xs) => xs.map((x) => `${Math.round(x.rps)}/${x.p99.toFixed(2)}`).join(', ');
  console.log(`- ${r.releases} releases, ${r.mode}: Updraft ${fmt(r.all.updraft)}; nginx ${fmt(r.all.nginx)}`);
}
