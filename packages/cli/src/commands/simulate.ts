import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

interface SimulateOptions extends GlobalOptions {
  app: string;
  platform: string;
  runtimeVersion: string;
  channel: string;
  root: string;
  ingestKey?: string;
  devices: string;
  crashRate: string;
  crashRelease?: string;
  rounds: string;
  interval: string;
  dir?: string;
  seed: string;
  allowInsecureLocalhost?: boolean;
  distinctSources?: boolean;
  binaryVersion?: string;
}

function number(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new CliError('usage', `--${name} must be a number from ${min} to ${max}, not "${value}"`, { exitCode: 2 });
  }
  return n;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('run a fleet of real device engines in this process, reporting telemetry (watch it in the dashboard)')
    .requiredOption('--app <appId>', 'the app')
    .requiredOption('--root <file>', "the app's root.json (updraft-keys/<appId>/root.json)")
    .option('--platform <platform>', 'device platform', 'ios')
    .option('--runtime-version <version>', 'runtime version', '1.0.0')
    .option('--channel <channel>', 'channel', 'production')
    .option('--ingest-key <key>', 'ingest key (default: $UPDRAFT_INGEST_KEY)')
    .option('--devices <n>', 'devices', '20')
    .option('--crash-rate <r>', 'chance a trial launch crashes, 0…1', '0')
    .option('--crash-release <releaseId>', 'only this release crashes')
    .option('--rounds <n>', 'app starts per device', '3')
    .option('--interval <ms>', 'pause between rounds', '1000')
    .option('--dir <dir>', 'device folders (default: a fresh temp folder)')
    .option('--seed <n>', 'random seed (same seed, same crashes)', '1')
    .option('--binary-version <v>', 'the app binary version the devices report')
    .option('--allow-insecure-localhost', 'allow http:// to a loopback server (development)')
    .option(
      '--distinct-sources',
      'send each device from its own loopback address (127.0.0.2, .3, …): a server on 127.0.0.1 sees a fleet of network sources',
    )
    .action(
      run<[], SimulateOptions>(async (opts) => {
        const server = opts.server ?? process.env['UPDRAFT_SERVER'];
        if (!server) throw new CliError('usage', 'pass --server URL or set UPDRAFT_SERVER', { exitCode: 2 });
        const ingestKey = opts.ingestKey ?? process.env['UPDRAFT_INGEST_KEY'];
        if (!ingestKey) {
          throw new CliError(
            'usage',
            'pass --ingest-key or set UPDRAFT_INGEST_KEY (create one with: updraft keys ingest create --app A)',
            { exitCode: 2 },
          );
        }
        let trustedRoot: Uint8Array;
        try {
          trustedRoot = new Uint8Array(await readFile(resolve(opts.root)));
        } catch {
          throw new CliError('usage', `cannot read --root ${opts.root}; it is updraft-keys/<appId>/root.json`, {
            exitCode: 2,
          });
        }
        const dir = resolve(opts.dir ?? join(tmpdir(), `updraft-fleet-${process.pid}-${Date.now()}`));
        const tty = !opts.json && process.stderr.isTTY;
        const result = await (
          await import('../simulator.js')
        ).simulateFleet({
          server,
          appId: opts.app,
          platform: opts.platform,
          runtimeVersion: opts.runtimeVersion,
          channel: opts.channel,
          trustedRoot,
          ingestKey,
          devices: number('devices', opts.devices, 1, 10_000),
          crashRate: number('crash-rate', opts.crashRate, 0, 1),
          ...(opts.crashRelease ? { crashRelease: opts.crashRelease } : {}),
          rounds: number('rounds', opts.rounds, 1, 10_000),
          intervalMs: number('interval', opts.interval, 0, 3_600_000),
          dir,
          seed: number('seed', opts.seed, 0, 2 ** 32 - 1),
          allowInsecureLocalhost: Boolean(opts.allowInsecureLocalhost),
          distinctSources: Boolean(opts.distinctSources),
          ...(opts.binaryVersion ? { binaryVersion: opts.binaryVersion } : {}),
          onRound: (r) => {
            if (tty) {
              const running = Object.entries(r.running)
                .map(([k, v]) => `${k}: ${v}`)
                .join(', ');
              process.stderr.write(
                `round ${r.round + 1}: ${running} · ${r.updated} updated, ${r.crashes} crashed, ${r.rollbacks} rolled back\n`,
              );
            }
          },
        });
        emit(opts, { dir, ...result }, () => {
          const last = result.rounds.at(-1);
          return [
            `${result.devices.length} devices, ${result.rounds.length} rounds, ${result.eventsSent} events sent (folders in ${dir})`,
            `running now: ${Object.entries(last?.running ?? {})
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
            `crashes ${result.devices.reduce((n, d) => n + d.crashedOn.length, 0)}, rollbacks ${result.devices.reduce((n, d) => n + d.rolledBack.length, 0)}`,
          ].join('\n');
        });
      }),
    );
}
