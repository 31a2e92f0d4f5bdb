import type { channelsApi } from '@updraft/api';
import type { Command } from 'commander';
import { requireServer } from '../api-client.js';
import { CliError, colour, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';
import { addDeployOptions, deployBody, percentToBasisPoints, type DeployFlags } from './deploy-options.js';
import type { VerifiedProvenance } from '../actions/release-provenance-actions.js';

/**
 * `updraft release show|promote|rollout|halt|resume|disable|notes` on the `release` command
 * that release.ts creates (a release is named by the id `publish` prints).
 */

interface AppOptions extends GlobalOptions {
  app: string;
}
interface ChannelOptions extends AppOptions {
  channel: string;
}

function describePointer(p: channelsApi.Pointer): string {
  return (
    `${p.channel} ${p.platform} ${p.runtimeVersion}: ${p.releaseId} at ${p.basisPoints / 100} %` +
    `${p.halted ? ' (halted: devices get the previous release)' : ''}${p.mandatory ? ', mandatory' : ''}` +
    `; others get ${p.previousReleaseId ?? 'nothing'}`
  );
}

function releaseCommand(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'release');
  return existing ?? program.command('release').description('inspect and manage releases');
}

export function registerReleaseOps(program: Command): void {
  const release = releaseCommand(program);

  release
    .command('show <releaseId>')
    .description('a release: notes, the channels serving it, scheduled starts, verified provenance')
    .requiredOption('--app <appId>', 'the app')
    .option('--keys <dir>', "folder with the app's releases key, to check the release signature of the provenance too")
    .action(
      run<[string], AppOptions & { keys?: string }>(async (id, opts) => {
        const api = requireServer(opts);
        const { describeProvenance, loadProvenance } = await import('../actions/release-provenance-actions.js');
        const r = await api.call('GET /v1/apps/:appId/releases/:releaseId', {
          params: { appId: opts.app, releaseId: id },
        });
        // A provenance that fails verification is reported, not fatal: the rest of the release is still worth showing.
        let provenance: VerifiedProvenance | { verified: false; error: string } | null;
        try {
          provenance = await loadProvenance(api, opts.app, id, opts.keys);
        } catch (err) {
          provenance = { verified: false, error: (err as Error).message };
        }
        emit(opts, { ...r, provenance }, () =>
          [
            `${r.releaseId} v${r.versionCode} ${r.platform} ${r.runtimeVersion}${r.disabledAt ? ` (disabled ${r.disabledAt})` : ''}`,
            `  signed for channels: ${r.allowedChannels.join(', ')}`,
            ...(r.notes ? [`  notes: ${r.notes}`] : []),
            ...r.current.map((p) => `  ${describePointer(p)}`),
            ...r.schedules.map((s) => `  scheduled on ${s.channel} at ${s.startAt}: ${s.status}`),
            ...(provenance === null
              ? ['  provenance: none']
              : 'error' in provenance
                ? [colour.red(`  provenance does not verify: ${provenance.error}`)]
                : describeProvenance(provenance).map((line) => `  ${line}`)),
          ].join('\n'),
        );
      }),
    );

  addDeployOptions(
    release
      .command('promote <releaseId>')
      .description('serve an already signed release on another channel (no upload, no re-signing of code)')
      .requiredOption('--app <appId>', 'the app')
      .requiredOption('--channel <name>', 'the channel to serve it on'),
  ).action(
    run<[string], ChannelOptions & DeployFlags>(async (id, opts) => {
      const result = await requireServer(opts).call('POST /v1/apps/:appId/releases/:releaseId/promote', {
        params: { appId: opts.app, releaseId: id },
        body: { channel: opts.channel, ...(await deployBody(opts)) },
      });
      emit(opts, result, () =>
        result.pointer
          ? `promoted: ${describePointer(result.pointer)}`
          : `scheduled on ${opts.channel} at ${result.scheduled?.startAt}`,
      );
    }),
  );

  release
    .command('rollout <releaseId> <percent>')
    .description('set the rollout percentage on a channel (raising it only adds devices; resumes a halted rollout)')
    .requiredOption('--app <appId>', 'the app')
    .requiredOption('--channel <name>', 'the channel')
    .action(
      run<[string, string], ChannelOptions>(async (id, percent, opts) => {
        const basisPoints = percentToBasisPoints(percent, '<percent>');
        const p = await requireServer(opts).call('POST /v1/apps/:appId/releases/:releaseId/rollout', {
          params: { appId: opts.app, releaseId: id },
          body: { channel: opts.channel, basisPoints },
        });
        emit(opts, p, () => describePointer(p));
      }),
    );

  for (const [name, what] of [
    ['halt', 'stop a rollout: devices not yet updated get the previous release'],
    ['resume', 'resume a halted rollout at its percentage'],
  ] as const) {
    release
      .command(`${name} <releaseId>`)
      .description(what)
      .requiredOption('--app <appId>', 'the app')
      .requiredOption('--channel <name>', 'the channel')
      .action(
        run<[string], ChannelOptions>(async (id, opts) => {
          const p = await requireServer(opts).call(`POST /v1/apps/:appId/releases/:releaseId/${name}`, {
            params: { appId: opts.app, releaseId: id },
            body: { channel: opts.channel },
          });
          emit(opts, p, () => describePointer(p));
        }),
      );
  }

  release
    .command('disable <releaseId>')
    .description('never serve it again: channels serving it go back to their previous release')
    .requiredOption('--app <appId>', 'the app')
    .action(
      run<[string], AppOptions>(async (id, opts) => {
        const r = await requireServer(opts).call('POST /v1/apps/:appId/releases/:releaseId/disable', {
          params: { appId: opts.app, releaseId: id },
          body: {},
        });
        emit(opts, r, () => `disabled ${r.releaseId} at ${r.disabledAt}`);
      }),
    );

  release
    .command('notes <releaseId>')
    .description('set the release notes (--clear removes them)')
    .requiredOption('--app <appId>', 'the app')
    .option('--set <text>', 'the notes')
    .option('--clear', 'remove the notes')
    .action(
      run<[string], AppOptions & { set?: string; clear?: boolean }>(async (id, opts) => {
        if ((opts.set === undefined) === !opts.clear) {
          throw new CliError('usage', 'pass either --set <text> or --clear', { exitCode: 2 });
        }
        const r = await requireServer(opts).call('PATCH /v1/apps/:appId/releases/:releaseId', {
          params: { appId: opts.app, releaseId: id },
          body: { notes: opts.clear ? null : (opts.set ?? null) },
        });
        emit(opts, r, () => `notes: ${r.notes ?? '(none)'}`);
      }),
    );
}
