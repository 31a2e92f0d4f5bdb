import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseJsonObject, parseRoot, assertIdentifier, type RootSigned } from '@updraft/protocol';
import { logTrustFromPin, parseLogPin } from '@updraft/protocol/transparency';
import { defaultKeysDir } from '@updraft/signing';
import { monitorOnce, type MonitorResult } from '../log-monitor.js';
import { CliError, colour, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

interface MonitorOptions extends GlobalOptions {
  app: string;
  root?: string;
  keys?: string;
  state?: string;
  follow?: boolean;
  interval: string;
}

export function registerLog(program: Command): void {
  const log = program.command('log').description("watch an app's transparency log");
  log
    .command('monitor')
    .description(
      'verify the log is append-only and list every release it reveals, with the releases keys in force then that signed it',
    )
    .requiredOption('--app <appId>', 'the app')
    .option('--keys <dir>', 'the app key folder (default ./updraft-keys/<appId>): root.json and the state live here')
    .option('--root <file>', 'root.json that pins the log key (default <keys>/root.json)')
    .option('--state <file>', 'where the monitor keeps what it verified (default <keys>/log-monitor.json)')
    .option('--follow', 'keep following instead of one pass')
    .option('--interval <seconds>', 'seconds between passes with --follow', '60')
    .action(
      run<[], MonitorOptions>(async (opts) => {
        const appId = assertIdentifier(opts.app, '--app');
        const server = opts.server ?? process.env['UPDRAFT_SERVER'];
        if (!server)
          throw new CliError('usage', 'no server given; pass --server URL or set UPDRAFT_SERVER', { exitCode: 2 });
        const keysDir = resolve(opts.keys ?? defaultKeysDir(appId));
        const rootPath = resolve(opts.root ?? join(keysDir, 'root.json'));
        let pin;
        let anchor: RootSigned;
        try {
          const raw = parseJsonObject(await readFile(rootPath), rootPath);
          anchor = parseRoot(raw).signed;
          pin = parseLogPin(raw['signed']);
        } catch (err) {
          throw new CliError('bad-input', `cannot read the log pin from ${rootPath}: ${(err as Error).message}`);
        }
        if (!pin)
          throw new CliError('no-log', `${rootPath} pins no transparency log (x-updraft-log); nothing to monitor`);
        const interval = Number(opts.interval);
        if (!(interval > 0))
          throw new CliError('usage', '--interval must be a positive number of seconds', { exitCode: 2 });
        const pass = () =>
          monitorOnce({
            server,
            appId,
            trust: logTrustFromPin(pin),
            anchor,
            statePath: resolve(opts.state ?? join(keysDir, 'log-monitor.json')),
          });
        const show = (r: MonitorResult, all: boolean) =>
          emit(opts, { checkpoint: r.checkpoint, releases: all ? r.releases : r.newReleases }, () =>
            [
              `log ${r.checkpoint.origin} at size ${r.checkpoint.size}: ${colour.green('consistent')}`,
              ...(all ? r.releases : r.newReleases).map(
                (x) =>
                  `  ${x.releaseId}\tversionCode ${x.versionCode}\tsigned by ${x.signerKeyIds.join(', ') || colour.red('no releases key in force')}${x.targetsVersion === null ? '' : ` (releases keys of targets v${x.targetsVersion})`}`,
              ),
            ].join('\n'),
          );
        show(await pass(), true);
        if (!opts.follow) return;
        for (;;) {
          await new Promise((r) => setTimeout(r, interval * 1000));
          const r = await pass();
          if (r.newReleases.length > 0) show(r, false);
        }
      }),
    );
}
