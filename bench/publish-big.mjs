#!/usr/bin/env node
// Publish benchmark (not a test): the second publish of a big Hermes bundle with 3 delta
// bases, as `updraft publish` runs it (real server process, real CLI, patch generation in
// worker threads), with the time split the CLI reports (hash, patch, upload, publish) and
// its CPU time. Reference, same run: publishing the same bytes without patches
// (--delta-bases 0: hash, upload, sign), i.e. a plain upload of the bundle. The load average
// is printed beside the figures: the development machine is shared.
//
//   npm run build && node bench/publish-big.mjs [--sizes 10,30] [--runs 3] [--js]
//
// Bundles: the real npm bundles of bench/delta.mjs (react-dom, moment, echarts, three),
// compiled to Hermes bytecode with hermesc (npm package hermes-compiler; --js keeps them as
// JavaScript) and concatenated to the size asked for, in MB. Three base releases take the old
// versions with one bundle moved to the front each, the timed publish the new versions.
// Packages are fetched with `npm pack` into bench/.cache (gitignored).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { concatenated, PAIRS } from './big-bundle.mjs';

const root = new URL('..', import.meta.url).pathname;
const cache = join(root, 'bench/.cache');
const CLI = join(root, 'packages/cli/dist/bin.js');
const HERMES_COMPILER = 'hermes-compiler@260318099.0.6';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const sizes = flag('--sizes', '10,30').split(',').map(Number);
const runs = Number(flag('--runs', '3'));
const asJs = args.includes('--js');

function sh(cmd, argv) {
  return execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
}

function fetchPackage(spec) {
  const dir = join(cache, spec.replace(/[@/]/g, '_'));
  if (existsSync(join(dir, 'package/package.json'))) return join(dir, 'package');
  mkdirSync(dir, { recursive: true });
  const name = sh('npm', ['pack', spec, '--silent', '--pack-destination', dir]).toString().trim().split('\n').pop();
  sh('tar', ['xzf', join(dir, name), '-C', dir]);
  return join(dir, 'package');
}

function compiled(jsPath) {
  if (asJs) return readFileSync(jsPath);
  const out = jsPath.replace(/\.js$/, '.hbc');
  const hermesc = join(fetchPackage(HERMES_COMPILER), 'hermesc/linux64-bin/hermesc');
  if (!existsSync(out)) sh(hermesc, ['-O', '-emit-binary', '-w', '-out', out, jsPath]);
  return readFileSync(out);
}

// GNU time reports the CPU of the CLI with everything it waited for (its patch workers and
// the zstd processes), which the CLI's own cpuMs leaves out.
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function cli(argv, env, { totalCpu = false } = {}) {
  const [cmd, pre] = totalCpu && TIME ? [TIME, ['-f', 'bench-cpu %U %S', process.execPath]] : [process.execPath, []];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, CLI, ...argv], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${argv[0]}: ${err || out}`));
      const cpu = /bench-cpu ([\d.]+) ([\d.]+)/.exec(err);
      resolve({ ...JSON.parse(out), ...(cpu ? { totalCpuMs: Math.round((+cpu[1] + +cpu[2]) * 1000) } : {}) });
    });
  });
}

async function serve(dataDir) {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', dataDir, '--json'], {
    env: { ...process.env, UPDRAFT_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The serve --json line (log lines, if any, may come before it).
  const line = await new Promise((resolve) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const found = buf.split('\n').find((l) => l.includes('"adminKeyPath"'));
      if (found) resolve(found);
    });
  });
  child.stdout.resume();
  const info = JSON.parse(line);
  const adminKey = info.adminKey ?? readFileSync(info.adminKeyPath, 'utf8').trim();
  return { url: info.url, adminKey, stop: () => process.kill(child.pid, 'SIGTERM') };
}

const olds = PAIRS.map(([name, from, , file]) => compiled(join(fetchPackage(`${name}@${from}`), file)));
const news = PAIRS.map(([name, , to, file]) => compiled(join(fetchPackage(`${name}@${to}`), file)));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const mb of sizes) {
  const bytes = mb * 1024 * 1024;
  const samples = [];
  for (let run = 0; run < runs; run++) {
    const work = mkdtempSync(join(tmpdir(), 'updraft-bench-publish-'));
    const server = await serve(join(work, 'data'));
    try {
      const env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey, NO_COLOR: '1' };
      const keys = join(work, 'keys');
      await cli(['apps', 'create', 'com.bench.big', '--keys', keys, '--json'], env);
      const publish = async (bundle, name, extra = [], opts = {}) => {
        const dir = join(work, name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'index.android.bundle'), bundle);
        const argv = ['publish', dir, '--app', 'com.bench.big', '--platform', 'android'];
        argv.push('--runtime-version', '1.0.0', '--channel', 'production', '--keys', keys, '--json', ...extra);
        return cli(argv, env, opts);
      };
      // Three bases: the old bundles, each time with another one first (published without
      // patches of their own, which only the timed publish needs). Each is also the reference:
      // a publish of as many bytes without patch generation.
      const plain = [];
      for (let b = 0; b < 3; b++) {
        const started = performance.now();
        await publish(concatenated([...olds.slice(b), ...olds.slice(0, b)], bytes), `base${b}`, ['--delta-bases', '0']);
        plain.push(performance.now() - started);
      }
      const load = loadavg()[0];
      const started = performance.now();
      const result = await publish(concatenated(news, bytes), 'next', [], { totalCpu: true });
      samples.push({
        totalMs: Math.round(performance.now() - started),
        ...result.timings,
        totalCpuMs: result.totalCpuMs ?? null,
        // The bundle is the only file and new to the server: the rest of the upload is the patches.
        patchKB: Math.round((result.bytesUploaded - bytes) / 1024),
        patches: result.patches,
        referenceMs: Math.round(median(plain)),
        load: Number(((load + loadavg()[0]) / 2).toFixed(1)),
      });
      console.error(`${mb} MB run ${run + 1}: ${JSON.stringify(samples.at(-1))}`);
    } finally {
      server.stop();
      rmSync(work, { recursive: true, force: true });
    }
  }
  const pick = (key) => median(samples.map((s) => s[key]));
  rows.push({
    size: `${mb} MB`,
    totalMs: pick('totalMs'),
    hashMs: pick('hashMs'),
    patchMs: pick('patchMs'),
    uploadMs: pick('uploadMs'),
    publishMs: pick('publishMs'),
    cpuMs: pick('cpuMs'),
    totalCpuMs: pick('totalCpuMs'),
    patches: pick('patches'),
    patchKB: pick('patchKB'),
    referenceMs: pick('referenceMs'),
    ratio: Number((pick('totalMs') / pick('referenceMs')).toFixed(1)),
    loadAverage: samples.map((x) => x.load).join(' / '),
    runs,
  });
}
console.table(rows);
