import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';
import type { CliResult, ServerProcess } from '@updraft/test-kit/cli';

// Crash guardrails end to end: the real `updraft` binary, a real server process, and a fleet
// of real device engines (`updraft simulate`) reporting telemetry with an ingest key. A
// release whose trial launches crash 20 % of the time is halted by the guardrail on its own;
// the devices that crashed roll back, and a device that comes later gets the previous release.

let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };
const APP = 'com.example.fleet';

before(async () => {
  work = await tempDir('e2e-fleet');
  server = await startServerProcess(join(work.path, 'data'), { args: ['--guardrail-interval', '250'] });
});
after(async () => {
  await server?.stop();
  await work?.cleanup();
});

const env = () => ({ UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey });
const ok = (r: CliResult, what: string) => assert.equal(r.code, 0, `${what}: ${r.stderr}${r.stdout}`);

interface Simulation {
  devices: { device: number; running: string | null; crashedOn: string[]; rolledBack: string[]; failed: string[] }[];
  eventsSent: number;
  eventsDropped: number;
}

test('a release that crashes 20 % of trial launches is halted by the guardrail; crashed devices roll back', async () => {
  const keysDir = join(work.path, 'keys');
  ok(await runCli(['apps', 'create', APP, '--keys', keysDir, '--json'], env()), 'apps create');
  const publish = async (name: string, content: string) => {
    const dir = join(work.path, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'index.ios.bundle'), content);
    const r = await runCli(publishArgs({ dir, app: APP, keys: keysDir }), env());
    ok(r, `publish ${name}`);
    return r.json!['releaseId'] as string;
  };
  const ingest = await runCli(['keys', 'ingest', 'create', '--app', APP, '--json'], env());
  ok(ingest, 'keys ingest create');
  const ingestKey = ingest.json!['key'] as string;
  assert.match(ingestKey, /^updraft_ingest_/);
  ok(
    await runCli(
      [
        'guardrail',
        'set',
        '--app',
        APP,
        '--channel',
        'production',
        '--min-launches',
        '20',
        '--threshold',
        '5',
        // production is protected: its guardrail alerts by default; the owner chooses halt.
        '--mode',
        'halt',
        '--min-sources',
        '3',
        '--json',
      ],
      env(),
    ),
    'guardrail set',
  );

  const fleetDir = join(work.path, 'fleet');
  const simulate = async (extra: string[], dir = fleetDir): Promise<Simulation> => {
    const r = await runCli(
      [
        'simulate',
        '--app',
        APP,
        '--root',
        join(keysDir, 'root.json'),
        '--ingest-key',
        ingestKey,
        '--dir',
        dir,
        '--interval',
        '0',
        '--allow-insecure-localhost',
        // 30 devices on 30 loopback addresses: a halt needs failures from several sources.
        '--distinct-sources',
        '--json',
        ...extra,
      ],
      env(),
    );
    ok(r, 'simulate');
    return r.json as unknown as Simulation;
  };

  const v1 = await publish('v1', 'console.log(1)');
  const healthy = await simulate(['--devices', '30', '--rounds', '2']);
  assert.ok(
    healthy.devices.every((d) => d.running === v1),
    'every device confirmed v1',
  );

  const v2 = await publish('v2', 'console.log(2)');
  const sick = await simulate([
    '--devices',
    '30',
    '--rounds',
    '3',
    '--crash-rate',
    '0.2',
    '--crash-release',
    v2,
    '--seed',
    '7',
  ]);
  assert.equal(sick.eventsDropped, 0, 'every event was acknowledged');
  const crashed = sick.devices.filter((d) => d.crashedOn.includes(v2));
  assert.ok(crashed.length >= 3, `some devices crashed on v2 (${crashed.length})`);
  // A device rolls back at its next launch, so one that crashed in the last round (its first
  // trial of v2 came late, e.g. when a sync failed on a loaded machine) does so when the app
  // starts once more.
  const relaunch = await simulate(['--devices', '30', '--rounds', '1']);
  for (const d of crashed) {
    const next = relaunch.devices.find((x) => x.device === d.device)!;
    assert.equal(next.running, v1, `device ${d.device} crashed on v2 and runs v1 again`);
    assert.deepEqual([...d.rolledBack, ...next.rolledBack], [v2], `device ${d.device} rolled v2 back, once`);
    assert.ok(next.failed.includes(v2), `device ${d.device} never downloads v2 again`);
  }

  // The guardrail job (every 250 ms) halts the rollout by itself.
  let halted = false;
  for (let i = 0; i < 80 && !halted; i++) {
    const show = await runCli(['release', 'show', v2, '--app', APP, '--json'], env());
    ok(show, 'release show');
    const current = (show.json!['current'] as { channel: string; halted: boolean }[]).find(
      (p) => p.channel === 'production',
    );
    halted = current?.halted === true;
    if (!halted) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(halted, 'the guardrail halted v2 on production');

  const audit = await runCli(['audit', 'list', '--app', APP, '--json'], env());
  ok(audit, 'audit list');
  const entries = audit.json!['entries'] as {
    action: string;
    actorName: string;
    releaseId: string;
    details: Record<string, unknown>;
  }[];
  const halt = entries.find((e) => e.action === 'release.halt' && e.releaseId === v2);
  assert.ok(halt, 'the halt is in the audit log');
  assert.equal(halt.actorName, 'guardrail');
  assert.ok((halt.details['guardrail'] as { rateBp: number }).rateBp > 500, 'the audit entry says why');
  ok(await runCli(['audit', 'verify', '--app', APP, '--json'], env()), 'the audit chain still verifies');

  const insight = await runCli(['release', 'insight', v2, '--app', APP, '--channel', 'production', '--json'], env());
  ok(insight, 'release insight');
  const rates = insight.json!['rates'] as { crash: number; rollback: number };
  assert.ok(rates.crash > 0.05 && rates.rollback > 0.05, `crash/rollback rates above 5 %: ${JSON.stringify(rates)}`);

  // A device that shows up after the halt gets the previous release, not v2.
  const late = await simulate(['--devices', '3', '--rounds', '2'], join(work.path, 'late'));
  assert.ok(
    late.devices.every((d) => d.running === v1),
    `late devices run v1: ${JSON.stringify(late.devices)}`,
  );
});
