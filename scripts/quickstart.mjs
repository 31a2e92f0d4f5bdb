#!/usr/bin/env node
// Runs README.md's "Quick start" exactly as written, in a fresh `git clone` of this
// repository's HEAD, with a realistic bundle in ./build: a first contact that fails cannot
// land. The commands are read from the README's ```sh blocks under "## Quick start", never
// restated here, so the script and the README cannot drift apart.
//
//   node scripts/quickstart.mjs [--keep]      (needs port 8787 free, as the README does)
//
// First block: each line runs with bash; the one with `npm start` keeps running in the
// background until the server answers; `npm test` is left out (CI runs the whole suite right
// after this script; here it would only run it twice). Second block: run whole by bash with
// `set -euo pipefail`. Then the device folder must hold the published bytes, confirmed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');
const SERVER = 'http://127.0.0.1:8787';

/** The ```sh blocks of the README's Quick start section, in order. */
function quickStartBlocks(readme) {
  const start = readme.indexOf('\n## Quick start\n');
  if (start < 0) throw new Error('README.md has no "## Quick start" section');
  const next = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

function log(message) {
  console.log(`quickstart: ${message}`);
}

function fail(message) {
  console.error(`quickstart: FAILED: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/**
 * A bundle folder shaped like a React Native release build: a 6 MB Hermes-bytecode-like
 * main.jsbundle (the Hermes magic number, then opcode records with offset tables), images at
 * @1x/@2x/@3x, a font, JSON, an empty file, a name with a space and non-ASCII letters, two
 * files with the same content, and a deep folder.
 */
function writeBundle(dir) {
  const files = new Map();
  const r = prng(2024);
  const random = (n) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
  const hermes = new Uint8Array(6 * 1024 * 1024);
  hermes.set([0xc6, 0x1f, 0xbc, 0x03, 0xc1, 0x03, 0x19, 0x1f, 96, 0, 0, 0]);
  for (let i = 12, offset = 0; i < hermes.length;) {
    const len = 8 + Math.floor(r() * 24);
    hermes[i++] = offset & 0xff;
    hermes[i++] = (offset >> 8) & 0xff;
    for (let k = 0; k < len && i < hermes.length; k++) hermes[i++] = Math.floor(r() * 64);
    offset += len;
  }
  files.set('main.jsbundle', hermes);
  const png = (n) => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...random(n)]);
  for (const [scale, size] of [
    ['', 4_000],
    ['@2x', 15_000],
    ['@3x', 33_000],
  ]) {
    files.set(`assets/src/images/logo${scale}.png`, png(size));
  }
  const icon = png(7_000);
  files.set('assets/src/images/tab-home.png', icon);
  files.set('assets/src/images/tab home copy.png', icon);
  files.set('assets/fonts/Inter-Regular.ttf', random(310_000));
  files.set('assets/src/i18n/fr/Café résumé.json', new TextEncoder().encode('{"hello":"Bonjour"}\n'));
  files.set('assets/src/config/empty.json', new Uint8Array(0));
  files.set('assets/.gitkeep', new Uint8Array(0));
  files.set('assets/node_modules/a/b/c/d/e/f/g/icon.png', png(900));
  for (const [path, bytes] of files) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
  return files;
}

function freePortCheck(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function waitForServer(child, logFile, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      fail(`\`npm install && npm start\` ended (exit ${child.exitCode}) before the server answered:\n${tail(logFile)}`);
    }
    try {
      if ((await fetch(`${SERVER}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  fail(`the server did not answer at ${SERVER} within ${timeoutMs / 60000} minutes:\n${tail(logFile)}`);
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

function walk(dir, base = dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}

async function main() {
  const blocks = quickStartBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  if (blocks.length < 2) fail(`README.md's Quick start has ${blocks.length} sh block(s); this script expects two`);
  if (!(await freePortCheck(8787)))
    fail('port 8787 is in use: the README quick start needs it; stop what listens there');

  const work = mkdtempSync(join(tmpdir(), 'updraft-quickstart-'));
  const clone = join(work, 'updraft');
  let server = null;
  try {
    log(`fresh clone of ${ROOT} into ${clone}`);
    execFileSync('git', ['clone', '--quiet', ROOT, clone], { stdio: 'inherit' });
    const files = writeBundle(join(clone, 'build'));
    log(`./build: ${files.size} files, ${[...files.values()].reduce((n, b) => n + b.length, 0)} bytes`);
    const env = { ...process.env };
    for (const name of ['UPDRAFT_SERVER', 'UPDRAFT_API_KEY']) delete env[name];

    for (const line of blocks[0].split('\n').map((l) => l.trim())) {
      if (!line || line.startsWith('#')) continue;
      if (/^npm test\b/.test(line)) {
        log(`left out: ${line} (CI runs the whole suite after this script)`);
        continue;
      }
      if (/\bnpm start\b/.test(line)) {
        const logFile = join(work, 'server.log');
        log(`$ ${line}   (in the background; output in ${logFile})`);
        const out = openLog(logFile);
        server = spawn('bash', ['-c', line], { cwd: clone, env, detached: true, stdio: ['ignore', out, out] });
        const started = Date.now();
        await waitForServer(server, logFile, 30 * 60_000);
        log(`server up after ${Math.round((Date.now() - started) / 1000)} s`);
        continue;
      }
      log(`$ ${line}`);
      const r = spawnSync('bash', ['-c', line], { cwd: clone, env, stdio: 'inherit' });
      if (r.status !== 0) fail(`\`${line}\` exited ${r.status}`);
    }
    if (!server) fail("the README's first block starts no server (`npm start`)");

    log('second block:');
    console.log(blocks[1].replace(/^/gm, '    '));
    const second = spawnSync('bash', ['-c', `set -euo pipefail\n${blocks[1]}`], { cwd: clone, env, stdio: 'inherit' });
    if (second.status !== 0) fail(`the second block exited ${second.status}`);

    // The device must now run the published bytes, confirmed, at the same paths.
    const npx = (args) => {
      const r = spawnSync('npx', ['updraft', ...args, '--json'], { cwd: clone, env, encoding: 'utf8' });
      if (r.status !== 0) fail(`npx updraft ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    const status = npx(['device', 'status', '--dir', './device']);
    if (!status.confirmed) fail(`the device confirmed no release: ${JSON.stringify(status)}`);
    const launch = npx(['device', 'launch', '--dir', './device']);
    if (!launch.launchPath) fail(`the device has nothing to launch: ${JSON.stringify(launch)}`);
    const installed = dirname(launch.launchPath);
    for (const [path, bytes] of files) {
      let got;
      try {
        got = readFileSync(join(installed, path));
      } catch {
        fail(`the device has no ${path}`);
      }
      if (Buffer.compare(got, Buffer.from(bytes)) !== 0) fail(`the device's ${path} differs from ./build/${path}`);
    }
    const extra = walk(installed).filter((p) => !files.has(p));
    if (extra.length > 0) fail(`the device has files that ./build has not: ${extra.join(', ')}`);
    log(`ok: release ${status.confirmed.releaseId} confirmed on the device, ${files.size} files byte for byte`);
  } finally {
    if (server?.pid && server.exitCode === null) {
      // The server runs under `bash -c 'npm install && npm start'`: stop that process group.
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
    }
    if (keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

function openLog(file) {
  writeFileSync(file, '');
  return openSync(file, 'a');
}

main().catch((err) => {
  if (!process.exitCode) console.error(`quickstart: FAILED: ${err.stack ?? err}`);
  process.exitCode = 1;
});
