import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, skipOrFail } from '@updraft/test-kit/services';

// deploy/updraft.service, checked without a running systemd: systemd's own unit parser
// (systemd-analyze verify, from the systemd package) and the unit's ExecStart run for real,
// with the install folder, data folder and port swapped for this checkout's and temporary ones.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UNIT = join(ROOT, 'deploy/updraft.service');

function hasSystemdAnalyze(): boolean {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('systemd accepts deploy/updraft.service as written', async (t) => {
  if (!hasSystemdAnalyze()) return skipOrFail(t, 'systemd unit', 'systemd-analyze not found (apt-get install systemd)');
  const dir = await mkdtemp(join(tmpdir(), 'updraft-unit-'));
  try {
    await writeFile(join(dir, 'updraft.service'), await readFile(UNIT));
    // Unknown directives and bad values are warnings on stderr; a missing binary also exits 1.
    const verify = (file: string) => spawnSync('systemd-analyze', ['verify', join(dir, file)], { encoding: 'utf8' });
    const good = verify('updraft.service');
    assert.equal(good.status, 0, good.stderr);
    assert.equal(`${good.stdout}${good.stderr}`.trim(), '');
    // The check can fail: a misspelt value is reported.
    const broken = (await readFile(UNIT, 'utf8')).replace('Restart=on-failure', 'Restart=sometimes');
    await writeFile(join(dir, 'broken.service'), broken);
    assert.match(verify('broken.service').stderr, /restart specifier/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the unit's ExecStart serves (install folder and data folder swapped for temporary ones)", async () => {
  const unit = await readFile(UNIT, 'utf8');
  const execStart = /^ExecStart=(.+)$/m.exec(unit)?.[1];
  assert.ok(execStart, 'an ExecStart line');
  const data = await mkdtemp(join(tmpdir(), 'updraft-unit-data-'));
  const port = await freePort();
  const [binary, ...argv] = execStart
    .replaceAll('/opt/updraft/', ROOT)
    .replace('/var/lib/updraft', data)
    .replace('--port 8787', `--port ${port}`)
    .split(/\s+/);
  assert.equal(binary, '/usr/bin/node');
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    // Start-up is slow on a loaded machine: wait for the answer or the process's exit, up to a minute.
    let health: Response | null = null;
    const deadline = Date.now() + 60_000;
    while (!health?.ok && !exited && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
    }
    assert.ok(health?.ok, `ExecStart serves /healthz on 127.0.0.1 (exited: ${exited}; stderr: ${stderr.slice(-2000)})`);
  } finally {
    if (!exited) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await rm(data, { recursive: true, force: true });
  }
});
