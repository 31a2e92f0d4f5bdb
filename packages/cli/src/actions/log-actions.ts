import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseJsonObject, parseRoot, assertIdentifier, type RootSigned } from '@updraft/protocol';
import { logTrustFromPin, parseLogPin } from '@updraft/protocol/transparency';
import { defaultKeysDir } from '@updraft/signing';
import { monitorOnce, type MonitorResult } from '../log-monitor.js';
import { CliError, colour, emit } from '../output.js';
import type { GlobalOptions } from '../run.js';

export interface MonitorOptions extends GlobalOptions {
  app: string;
  root?: string;
  keys?: string;
  state?: string;
  follow?: boolean;
  interval: string;
}

export async function monitorLog(opts: MonitorOptions): Promise<void> {
  const appId = assertIdentifier(opts.app, '--app');
  const server = opts.server ?? process.env['UPDRAFT_SERVER'];
  if (!server) throw new CliError('usage', 'no server given; pass --server URL or set UPDRAFT_SERVER', { exitCode: 2 });
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
  if (!pin) throw new CliError('no-log', `${rootPath} pins no transparency log (x-updraft-log); nothing to monitor`);
  const interval = Number(opts.interval);
  if (!(interval > 0)) throw new CliError('usage', '--interval must be a positive number of seconds', { exitCode: 2 });
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
}
