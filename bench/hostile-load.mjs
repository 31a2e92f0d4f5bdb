#!/usr/bin/env node
// Hostile load (issue 14 point 1): 32 concurrent anonymous downloads of a 30 MiB release file,
// asked for under the manifest name (`targets/manifests/<sha256>`) with br and gzip
// alternating, while devices check for updates. Measures what the server's other users see:
// device-check latency (GET timestamp.json with If-None-Match, then POST resolve) and
// /healthz latency, during the attack and, as the reference, in the same run without it.
//
//   npm run build && node bench/hostile-load.mjs [--seconds 15] [--hostile 32] [--devices 4]
//
// The server is a real `updraft serve` child process; hostile clients run in a worker thread
// (their own event loop), probes in the main thread. Not a test: it prints a Markdown table
// for docs/benchmarks.md and exits 0 whether or not the target (≤ 50 ms) is met.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'packages/cli/dist/bin.js');
const APP = 'com.bench.hostile';
const MIB = 1024 * 1024;

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const seconds = Number(args.seconds ?? 15);
const hostile = Number(args.hostile ?? 32);
const devices = Number(args.devices ?? 4);

function cli(argv, env = {}) {
  return execFileSync(process.execPath, [CLI, ...argv], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
  });
}

async function startServer(dataDir) {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', dataDir, '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The first JSON line that names the admin key path is the "listening" line (log lines come before it).
  const first = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const line = buf.split('\n').find((l) => l.includes('"adminKeyPath"'));
      if (line) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`updraft serve exited with ${code}`)));
  });
  child.stdout.resume();
  const info = JSON.parse(first);
  const adminKey = info.adminKey ?? readFileSync(info.adminKeyPath, 'utf8').trim();
  return { child, url: info.url, adminKey };
}

/** A realistic, very compressible 30 MiB bundle: the worst case for an on-the-fly compressor. */
function bigBundle() {
  const lines = [];
  let size = 0;
  for (let i = 0; size < 30 * MIB; i++) {
    const line = `export function handler${i}(event) { return dispatch("event-${i % 977}", event, ${i}); }\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('');
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One request; resolves with its latency in ms (the body read to the end). */
function timed(url, { method = 'GET', headers = {}, body } = {}) {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - start, status: res.statusCode, etag: res.headers.etag }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const HOSTILE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
let stop = false, done = 0, bytes = 0;
parentPort.on('message', () => { stop = true; });
function one(i) {
  if (stop) return;
  http.get(workerData.url, { headers: { 'accept-encoding': i % 2 ? 'gzip' : 'br' }, agent: false }, (res) => {
    res.on('data', (c) => { bytes += c.length; });
    res.on('end', () => { done++; one(i + 2); });
  }).on('error', () => one(i + 2));
}
for (let i = 0; i < workerData.streams; i++) one(i);
const t = setInterval(() => { if (stop) { clearInterval(t); parentPort.postMessage({ done, bytes }); } }, 20);
`;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(url, attack) {
  let worker = null;
  if (attack) {
    worker = new Worker(HOSTILE, {
      eval: true,
      workerData: { url: `${url}/repo/${APP}/targets/manifests/${attack}`, streams: hostile },
    });
    await new Promise((r) => setTimeout(r, 1000)); // let the attack reach full flow
  }
  const checks = [];
  const health = [];
  const until = performance.now() + seconds * 1000;
  const ts = `${url}/repo/${APP}/metadata/timestamp.json`;
  const etag = (await timed(ts)).etag;
  const resolveBody = (i) =>
    JSON.stringify({ channel: 'production', platform: 'ios', runtimeVersion: '1.0.0', deviceId: `device-${i}` });
  let n = 0;
  const device = async () => {
    while (performance.now() < until) {
      const start = performance.now();
      await timed(ts, { headers: { 'if-none-match': etag } });
      await timed(`${url}/device/v1/apps/${APP}/resolve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: resolveBody(n++),
      });
      checks.push(performance.now() - start);
    }
  };
  const prober = async () => {
    while (performance.now() < until) {
      health.push((await timed(`${url}/healthz`)).ms);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await Promise.all([...Array.from({ length: devices }, device), prober()]);
  let served = null;
  if (worker) {
    served = await new Promise((resolve) => {
      worker.once('message', resolve);
      worker.postMessage('stop');
    });
    await worker.terminate();
  }
  checks.sort((a, b) => a - b);
  health.sort((a, b) => a - b);
  return {
    checks: checks.length,
    checkP50: percentile(checks, 50),
    checkP99: percentile(checks, 99),
    healthP50: percentile(health, 50),
    healthP99: percentile(health, 99),
    healthMax: health[health.length - 1],
    served,
  };
}

const work = mkdtempSync(join(tmpdir(), 'updraft-hostile-bench-'));
let server;
try {
  server = await startServer(join(work, 'data'));
  const env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  const keys = join(work, 'keys');
  cli(['apps', 'create', APP, '--keys', keys, '--json'], env);
  const dir = join(work, 'bundle');
  mkdirSync(dir);
  const bundle = bigBundle();
  writeFileSync(join(dir, 'index.ios.bundle'), bundle);
  cli(
    [
      'publish',
      dir,
      '--app',
      APP,
      '--platform',
      'ios',
      '--runtime-version',
      '1.0.0',
      '--channel',
      'production',
      '--keys',
      keys,
      '--json',
    ],
    env,
  );
  const sha = createHash('sha256').update(bundle).digest('hex');

  const reference = await measure(server.url, null);
  const attacked = await measure(server.url, sha);
  const ms = (v) => `${v.toFixed(1)} ms`;
  const ratio = (a, b) => `${(a / b).toFixed(1)}×`;
  console.log(
    `\n${hostile} hostile 30 MiB downloads (br/gzip alternating) vs none; ${devices} devices checking; ${seconds} s each\n`,
  );
  console.log('| measurement | without attack (reference) | during the attack | ratio |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| device check p50 (timestamp 304 + resolve) | ${ms(reference.checkP50)} | ${ms(attacked.checkP50)} | ${ratio(attacked.checkP50, reference.checkP50)} |`,
  );
  console.log(
    `| device check p99 | ${ms(reference.checkP99)} | ${ms(attacked.checkP99)} | ${ratio(attacked.checkP99, reference.checkP99)} |`,
  );
  console.log(
    `| /healthz p50 | ${ms(reference.healthP50)} | ${ms(attacked.healthP50)} | ${ratio(attacked.healthP50, reference.healthP50)} |`,
  );
  console.log(
    `| /healthz p99 | ${ms(reference.healthP99)} | ${ms(attacked.healthP99)} | ${ratio(attacked.healthP99, reference.healthP99)} |`,
  );
  console.log(
    `| /healthz worst | ${ms(reference.healthMax)} | ${ms(attacked.healthMax)} | ${ratio(attacked.healthMax, reference.healthMax)} |`,
  );
  console.log(`| device checks completed | ${reference.checks} | ${attacked.checks} | |`);
  const gib = (attacked.served.bytes / 1024 ** 3).toFixed(2);
  console.log(`\nThe attack downloaded the file ${attacked.served.done} times in full (${gib} GiB sent).`);
  console.log(`Target: device-check p99 and /healthz ≤ 50 ms during the attack.`);
} finally {
  agent.destroy();
  if (server && server.child.exitCode === null) {
    const exited = new Promise((r) => server.child.once('exit', r));
    process.kill(server.child.pid, 'SIGTERM');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
}
