#!/usr/bin/env node
// Runs deploy/Dockerfile's recipe without a Docker engine (none runs on this machine or in CI):
// each COPY, WORKDIR and RUN of the build stage in a fresh folder that holds only what the
// build context would (minus .dockerignore), then the final stage's ENTRYPOINT with its
// data folder and port swapped for temporary ones, and checks that the server answers
// /healthz and serves the dashboard. The final stage's RUN lines that create the data folder
// run too (on the temporary folder, chown left out) and must leave it 0700. What it cannot
// check: the base image itself, apt-get lines (their tools must already be here), USER and VOLUME.
//
//   node scripts/check-dockerfile.mjs [--keep]
import { execSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');

/** Dockerfile instructions with line continuations joined; comments dropped. */
function instructions(text) {
  const joined = text.replace(/\\\r?\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** A .dockerignore pattern as a regular expression over paths relative to the context. */
function patternToRegExp(pattern) {
  const glob = (part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  // `**/` is any number of folders; a pattern that names a folder leaves out everything below it.
  return new RegExp(`^${pattern.split('**/').map(glob).join('(?:.*/)?')}(?:/.*)?$`);
}

/** A copy of the build context as Docker would send it: .dockerignore patterns left out. */
function contextCopy(into) {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map(patternToRegExp);
  cpSync(ROOT, into, {
    recursive: true,
    // bench/.cache (downloaded packages, git-ignored) is left out only to save time.
    filter: (src) => {
      const rel = relative(ROOT, src).split(sep).join('/');
      return rel === '' || (!ignored.some((re) => re.test(rel)) && !rel.startsWith('bench/.cache'));
    },
  });
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'updraft-dockerfile-'));
const context = join(work, 'context');
const image = join(work, 'image');
const data = join(work, 'data');
let server;
try {
  contextCopy(context);
  let stage = 0;
  let workdir = image;
  let entrypoint = null;
  const finalRuns = [];
  for (const { op, args } of instructions(readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8'))) {
    if (op === 'FROM') stage++;
    else if (op === 'WORKDIR') {
      workdir = join(image, args.replace(/^\/app/, ''));
      mkdirSync(workdir, { recursive: true });
    } else if (op === 'COPY' && args.startsWith('--from=')) {
      // The final stage takes the build stage's /app whole: the same folder here.
      if (!/^--from=build \/app \/app$/.test(args)) throw new Error(`unsupported COPY: ${args}`);
    } else if (op === 'COPY') {
      const parts = args.split(/\s+/);
      const dest = parts.pop();
      for (const src of parts) {
        const to =
          dest.endsWith('/') || parts.length > 1 ? join(workdir, dest, src.split('/').pop()) : join(workdir, dest);
        if (!existsSync(join(context, src))) throw new Error(`COPY ${src}: not in the build context`);
        mkdirSync(dirname(to), { recursive: true });
        cpSync(join(context, src), to, { recursive: true });
      }
    } else if (op === 'RUN' && stage === 1) {
      if (/^apt-get /.test(args)) {
        for (const tool of ['python3', 'make', 'g++']) execSync(`command -v ${tool}`, { stdio: 'ignore' });
        continue;
      }
      process.stdout.write(`RUN ${args}\n`);
      execSync(args, { cwd: workdir, stdio: 'inherit', env: { ...process.env, CI: 'true' } });
    } else if (op === 'RUN' && stage === 2) finalRuns.push(args);
    else if (op === 'ENTRYPOINT') entrypoint = JSON.parse(args);
  }
  if (!entrypoint) throw new Error('no ENTRYPOINT');
  const imageData = entrypoint[entrypoint.indexOf('--data') + 1];
  for (const run of finalRuns.filter((r) => r.includes(imageData))) {
    // chown to the image's user needs root; the mode is what is checked here.
    const local = run
      .split('&&')
      .map((c) => c.trim())
      .filter((c) => !c.startsWith('chown '))
      .join(' && ')
      .replaceAll(imageData, data);
    execSync(local, { stdio: 'inherit' });
  }
  const dataMode = existsSync(data) ? (statSync(data).mode & 0o777).toString(8) : 'missing';
  if (dataMode !== '700') throw new Error(`the image's data folder ${imageData} must be created 0700, not ${dataMode}`);
  const port = await freePort();
  const argv = entrypoint.slice(1).map((a, i, all) => {
    if (all[i - 1] === '--port') return String(port);
    if (all[i - 1] === '--host') return '127.0.0.1';
    if (all[i - 1] === '--data') return data;
    return a;
  });
  server = spawn(entrypoint[0] === 'node' ? process.execPath : entrypoint[0], argv, {
    cwd: image,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  let health = null;
  // Up to 60 s: on a loaded CI machine the first start (migrations, key generation) is slow.
  for (let i = 0; i < 600 && !health && server.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 100));
    health = await fetch(`${url}/healthz`).catch(() => null);
  }
  if (!health?.ok) {
    throw new Error(
      `the image entrypoint did not answer /healthz${server.exitCode !== null ? ` (it exited with ${server.exitCode})` : ''}`,
    );
  }
  const dashboard = await fetch(`${url}/`);
  const page = await dashboard.text();
  if (!dashboard.ok || !page.includes('<div id="root">'))
    throw new Error(`no dashboard in the image (${dashboard.status})`);
  process.stdout.write(
    `deploy/Dockerfile: the recipe builds, its data folder is 0700, and its entrypoint serves /healthz and the dashboard\n`,
  );
} catch (err) {
  process.stderr.write(`deploy/Dockerfile check failed: ${err.message}\n`);
  process.exitCode = 1;
} finally {
  if (server) server.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  if (keep) process.stdout.write(`kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}
