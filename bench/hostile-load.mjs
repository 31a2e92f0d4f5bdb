#!/usr/bin/env node
// Hostile load (issue 14 point 1): 32 concurrent anonymous downloads of a 30 MiB release file,
// asked for under the manifest name (`targets/manifests/<sha256>`) with br and gzip
// alternating, while devices check for updates. Measures what the server's other users see:
// device-check latency (GET timestamp.json with If-None-Match, then POST resolve) and
// /healthz latency, during the attack and, as the reference, in the same run without it.
//
//   npm run build && node bench/hostile-load.mjs [--seconds 15] [--hostile 32] [--devices 4] [--slots-per-source 8]
//                                                [--check-rate 50] [--rate-per-source 32]
//
// --slots-per-source is passed to the server as --download-slots-per-source (0 = no per-source
// bound: the behaviour before download slots, for comparison); --rate-per-source (MiB/s) as
// --download-rate-per-source (0 = no byte rate per source: the behaviour before it).
//
// Three processes, as on a real network: the server is a real `updraft serve` child process
// (with bench/loop-probe.mjs preloaded, which reports its event-loop delay and CPU time), the
// hostile clients are another child process, and the probes (devices, /healthz) run in this
// one. The server runs with its defaults, so the download slots (8 per source, the rest wait
// up to 10 s, then 429 + Retry-After) and the byte rate per source (32 MiB/s over all the
// source's downloads) apply to the attack; the attacker ignores Retry-After
// and asks again at once. Not a test: it prints a Markdown table for docs/benchmarks.md and
// exits 0 whether or not the target (≤ 50 ms) is met.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'packages/cli/dist/bin.js');
const APP = 'com.bench.hostile';
const MIB = 1024 * 1024;
const LOOP_PROBE = fileURLToPath(new URL('./loop-probe.mjs', import.meta.url));

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const seconds = Number(args.seconds ?? 15);
const hostile = Number(args.hostile ?? 32);
const devices = Number(args.devices ?? 4);
const slotsPerSource = args['slots-per-source'];
const ratePerSource = args['rate-per-source'];
// Open loop: device checks start at a fixed rate (checks per second, all devices together) and
// each is timed from when it was due, so a stalled server shows in full (no coordinated
// omission) while the probing process stays far from saturating a core. Without it, the
// devices check back to back as fast as they can (closed loop), and the probing process itself
// takes a core of the two.
const checkRate = args['check-rate'] === undefined ? null : Number(args['check-rate']);

function cli(argv, env = {}) {
  return execFileSync(process.execPath, [CLI, ...argv], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
  });
}

async function startServer(dataDir) {
  const serveArgs = [CLI, 'serve', '--port', '0', '--data', dataDir, '--json'];
  if (slotsPerSource !== undefined) serveArgs.push('--download-slots-per-source', slotsPerSource);
  if (ratePerSource !== undefined) serveArgs.push('--download-rate-per-source', ratePerSource);
  const child = spawn(process.execPath, serveArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${LOOP_PROBE}`.trim() },
  });
  const probes = [];
  let errBuf = '';
  child.stderr.on('data', (d) => {
    errBuf += d;
    const lines = errBuf.split('\n');
    errBuf = lines.pop();
    for (const line of lines) {
      if (line.startsWith('loop-probe ')) probes.push(JSON.parse(line.slice('loop-probe '.length)));
      else process.stderr.write(`${line}\n`);
    }
  });
  /** What the server's event loop and CPU did since the previous call. */
  const loop = async () => {
    const seen = probes.length;
    process.kill(child.pid, 'SIGUSR2');
    while (probes.length === seen) await new Promise((r) => setTimeout(r, 10));
    return probes[seen];
  };
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
  return { child, url: info.url, adminKey, loop };
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

// The attacker, in its own process: each of its streams asks for the file again as soon as
// an answer ends, whatever it was (a 429 included: it ignores Retry-After).
const HOSTILE = `
const http = require('node:http');
const [url, streams] = [process.argv[1], Number(process.argv[2])];
let stop = false, done = 0, bytes = 0;
const refused = {};
const cpu = process.cpuUsage();
process.on('message', () => {
  stop = true;
  const used = process.cpuUsage(cpu);
  process.send({ done, bytes, refused, cpuMs: Math.round((used.user + used.system) / 1000) }, () => process.exit(0));
});
function one(i) {
  if (stop) return;
  http.get(url, { headers: { 'accept-encoding': i % 2 ? 'gzip' : 'br' }, agent: false }, (res) => {
    res.on('data', (c) => { bytes += c.length; });
    res.on('end', () => {
      if (res.statusCode === 200) done++;
      else refused[res.statusCode] = (refused[res.statusCode] ?? 0) + 1;
      one(i + 2);
    });
  }).on('error', () => one(i + 2));
}
for (let i = 0; i < streams; i++) one(i);
`;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(server, attack) {
  const { url } = server;
  let attacker = null;
  if (attack) {
    attacker = spawn(
      process.execPath,
      ['-e', HOSTILE, `${url}/repo/${APP}/targets/manifests/${attack}`, String(hostile)],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    await new Promise((r) => setTimeout(r, 1000)); // let the attack reach full flow
  }
  await server.loop(); // the server's event loop and CPU from here
  const cpu = process.cpuUsage();
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
  const openLoop = async () => {
    const pending = [];
    for (let due = performance.now(); due < until; due += 1000 / checkRate) {
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const i = n++;
      pending.push(
        (async () => {
          await timed(ts, { headers: { 'if-none-match': etag } });
          await timed(`${url}/device/v1/apps/${APP}/resolve`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: resolveBody(i),
          });
          checks.push(performance.now() - due);
        })(),
      );
    }
    await Promise.all(pending);
  };
  const checkers = checkRate === null ? Array.from({ length: devices }, device) : [openLoop()];
  await Promise.all([...checkers, prober()]);
  const serverLoop = await server.loop();
  const probeCpu = process.cpuUsage(cpu);
  let served = null;
  if (attacker) {
    const a = attacker;
    served = await new Promise((resolve) => {
      a.once('message', resolve);
      a.send('stop');
    });
    if (a.exitCode === null) await new Promise((r) => a.once('exit', r));
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
    serverLoop,
    probeCpuMs: Math.round((probeCpu.user + probeCpu.system) / 1000),
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

  const reference = await measure(server, null);
  const attacked = await measure(server, sha);
  const ms = (v) => `${v.toFixed(1)} ms`;
  const ratio = (a, b) => `${(a / b).toFixed(1)}×`;
  console.log(
    `\n${hostile} hostile 30 MiB downloads (br/gzip alternating) vs none; ${checkRate === null ? `${devices} devices checking back to back` : `device checks at ${checkRate}/s (open loop)`}; ${seconds} s each; download slots per source: ${slotsPerSource ?? 'default (8)'}; rate per source: ${ratePerSource === undefined ? 'default (32 MiB/s)' : ratePerSource === '0' ? 'none' : `${ratePerSource} MiB/s`}\n`,
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
  const r = reference.serverLoop;
  const a = attacked.serverLoop;
  console.log(`| server event-loop delay p99 | ${ms(r.delayP99)} | ${ms(a.delayP99)} | |`);
  console.log(`| server event-loop delay worst | ${ms(r.delayMax)} | ${ms(a.delayMax)} | |`);
  const cpuShare = (p) => `${Math.round(((p.cpuUserMs + p.cpuSystemMs) / (p.seconds * 1000)) * 100)} %`;
  console.log(`| server CPU (of one core) | ${cpuShare(r)} | ${cpuShare(a)} | |`);
  console.log(
    `| probing client CPU (of one core) | ${Math.round(reference.probeCpuMs / (seconds * 10))} % | ${Math.round(attacked.probeCpuMs / (seconds * 10))} % | |`,
  );
  const s = attacked.served;
  const gib = (s.bytes / 1024 ** 3).toFixed(2);
  const refusals = Object.entries(s.refused)
    .map(([status, n]) => `${n} × ${status}`)
    .join(', ');
  console.log(
    `\nThe attack downloaded the file ${s.done} times in full (${gib} GiB sent, ${(s.bytes / MIB / seconds).toFixed(1)} MiB/s; refused: ${refusals || 'none'}); the attacker process used ${s.cpuMs} ms of CPU.`,
  );
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
