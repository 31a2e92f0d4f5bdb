import type { Command } from 'commander';
import { requireServer } from '../api-client.js';
import { CliError, colour, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';
import { addDeployOptions, deployBody, percentToBasisPoints, type DeployFlags } from './deploy-options.js';
import { describeProvenance, loadProvenance, type VerifiedProvenance } from './release-provenance.js';

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

interface PointerView {
  channel: string;
  platform: string;
  runtimeVersion: string;
  releaseId: string;
  previousReleaseId: string | null;
  basisPoints: number;
  halted: boolean;
  mandatory: boolean;
}

const releasePath = (app: string, id: string) =>
  `/v1/apps/${encodeURIComponent(app)}/releases/${encodeURIComponent(id)}`;

function describePointer(p: PointerView): string {
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
        const r = await api.request<{
          releaseId: string;
          versionCode: number;
          platform: string;
          runtimeVersion: string;
          notes: string | null;
          disabledAt: string | null;
          allowedChannels: string[];
          current: PointerView[];
          schedules: { channel: string; startAt: string; status: string }[];
        }>('GET', releasePath(opts.app, id));
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
      const result = await requireServer(opts).request<{
        pointer: PointerView | null;
        scheduled: { startAt: string } | null;
      }>('POST', `${releasePath(opts.app, id)}/promote`, { channel: opts.channel, ...deployBody(opts) });
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
        const p = await requireServer(opts).request<PointerView>('POST', `${releasePath(opts.app, id)}/rollout`, {
          channel: opts.channel,
          basisPoints,
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
          const p = await requireServer(opts).request<PointerView>('POST', `${releasePath(opts.app, id)}/${name}`, {
            channel: opts.channel,
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
        const r = await requireServer(opts).request<{ releaseId: string; disabledAt: string }>(
          'POST',
          `${releasePath(opts.app, id)}/disable`,
          {},
        );
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
        const r = await requireServer(opts).request<{ notes: string | null }>('PATCH', releasePath(opts.app, id), {
          notes: opts.clear ? null : opts.set,
        });
        emit(opts, r, () => `notes: ${r.notes ?? '(none)'}`);
      }),
    );
}
