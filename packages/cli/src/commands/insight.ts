import type { insightApi } from '@updraft/api';
import type { Command } from 'commander';
import { requireServer } from '../api-client.js';
import { CliError, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';
import { describeDeliveries } from '../webhook-deliveries.js';

/** `updraft keys ingest …`, `updraft guardrail show|set|deliveries`, `updraft release insight`. */

interface AppOptions extends GlobalOptions {
  app: string;
}

const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(2)} %`);

function keysCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'keys') ??
    program.command('keys').description('signing keys and admin API keys')
  );
}

/** "30m", "2h" or plain minutes → minutes. */
function minutesOf(value: string): number {
  const m = /^(\d{1,4})(m|h)?$/.exec(value.trim());
  if (!m) throw new CliError('usage', `--lookback must be like 30m or 2h, not "${value}"`, { exitCode: 2 });
  return Number(m[1]) * (m[2] === 'h' ? 60 : 1);
}

export function registerInsight(program: Command): void {
  const ingest = keysCommand(program)
    .command('ingest')
    .description('per-app ingest keys: devices send events with them (they can do nothing else)');
  ingest
    .command('create')
    .description('create an ingest key → {id, key} (shown once; ship it in the app)')
    .requiredOption('--app <appId>', 'the app')
    .option('--name <name>', 'what uses it', 'devices')
    .action(
      run<[], AppOptions & { name: string }>(async (opts) => {
        const r = await requireServer(opts).call('POST /v1/apps/:appId/ingest-keys', {
          params: { appId: opts.app },
          body: { name: opts.name },
        });
        emit(opts, r, () => `created ingest key "${r.name}" for ${r.appId}, id ${r.id}\nkey (shown once): ${r.key}`);
      }),
    );
  ingest
    .command('list')
    .description("the app's ingest keys (never the keys)")
    .requiredOption('--app <appId>', 'the app')
    .action(
      run<[], AppOptions>(async (opts) => {
        const r = await requireServer(opts).call('GET /v1/apps/:appId/ingest-keys', { params: { appId: opts.app } });
        emit(opts, r, () =>
          r.keys.map((k) => `${k.id}\t${k.name}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}`).join('\n'),
        );
      }),
    );
  ingest
    .command('revoke <id>')
    .description('revoke an ingest key')
    .requiredOption('--app <appId>', 'the app')
    .action(
      run<[string], AppOptions>(async (id, opts) => {
        const r = await requireServer(opts).call('DELETE /v1/apps/:appId/ingest-keys/:keyId', {
          params: { appId: opts.app, keyId: id },
        });
        emit(opts, r, () => `revoked ingest key ${r.id} at ${r.revokedAt}`);
      }),
    );

  const guardrail = program.command('guardrail').description('crash guardrails: automatic halts per channel');
  guardrail
    .command('show')
    .description("every channel's guardrail")
    .requiredOption('--app <appId>', 'the app')
    .action(
      run<[], AppOptions>(async (opts) => {
        const r = await requireServer(opts).call('GET /v1/apps/:appId/guardrails', { params: { appId: opts.app } });
        emit(opts, r, () =>
          r.guardrails
            .map(
              (g) =>
                `${g.channel}\t${g.enabled ? 'on' : 'off'}\t${g.mode}${g.modeConfigured ? '' : ' (default)'}\t` +
                `> ${g.thresholdPercent} % over ${g.lookbackMinutes} min, ≥ ${g.minLaunches} launches from ≥ ${g.minSources} sources` +
                `${g.webhookUrl || g.webhookHost ? `\twebhook ${g.webhookUrl ?? g.webhookHost}` : ''}${g.configured ? '' : '\t(defaults)'}`,
            )
            .join('\n'),
        );
      }),
    );
  guardrail
    .command('set')
    .description("set a channel's guardrail")
    .requiredOption('--app <appId>', 'the app')
    .requiredOption('--channel <channel>', 'the channel')
    .option('--threshold <percent>', 'crash or rollback rate that halts (default 5)')
    .option('--lookback <duration>', 'window, e.g. 30m or 2h (default 30m)')
    .option('--min-launches <n>', 'launches needed before it may act (default 50)')
    .option(
      '--mode <mode>',
      'halt (stop the rollout automatically) or alert (webhook and dashboard banner only); protected channels default to alert, and only an admin may set halt there',
    )
    .option('--min-sources <n>', 'distinct network sources that must report failures before it acts (default 5)')
    .option('--webhook <url>', 'https URL: JSON POST when it trips (queued, retried)')
    .option('--no-webhook', 'remove the webhook')
    .option('--off', 'disable the guardrail')
    .option('--on', 'enable the guardrail')
    .action(
      run<
        [],
        AppOptions & {
          channel: string;
          threshold?: string;
          lookback?: string;
          minLaunches?: string;
          mode?: string;
          minSources?: string;
          webhook?: string | boolean;
          off?: boolean;
          on?: boolean;
        }
      >(async (opts) => {
        const body: Record<string, unknown> = {};
        if (opts.threshold !== undefined) body['thresholdPercent'] = Number(opts.threshold);
        if (opts.lookback !== undefined) body['lookbackMinutes'] = minutesOf(opts.lookback);
        if (opts.minLaunches !== undefined) body['minLaunches'] = Number(opts.minLaunches);
        if (opts.mode !== undefined) {
          if (opts.mode !== 'halt' && opts.mode !== 'alert') {
            throw new CliError('usage', `--mode must be halt or alert, not "${opts.mode}"`, { exitCode: 2 });
          }
          body['mode'] = opts.mode;
        }
        if (opts.minSources !== undefined) body['minSources'] = Number(opts.minSources);
        if (typeof opts.webhook === 'string') body['webhookUrl'] = opts.webhook;
        if (opts.webhook === false) body['webhookUrl'] = null;
        if (opts.off) body['enabled'] = false;
        if (opts.on) body['enabled'] = true;
        for (const [k, v] of Object.entries(body)) {
          if (typeof v === 'number' && !Number.isFinite(v)) {
            throw new CliError('usage', `--${k} must be a number`, { exitCode: 2 });
          }
        }
        const g = await requireServer(opts).call('PUT /v1/apps/:appId/channels/:channel/guardrail', {
          params: { appId: opts.app, channel: opts.channel },
          body: body as insightApi.GuardrailBody,
        });
        emit(
          opts,
          g,
          () =>
            `${g.channel}: ${g.enabled ? 'on' : 'off'}, ${g.mode === 'halt' ? 'halts' : 'alerts'} above ${g.thresholdPercent} % over ${g.lookbackMinutes} min with ≥ ${g.minLaunches} launches from ≥ ${g.minSources} sources`,
        );
      }),
    );

  guardrail
    .command('deliveries')
    .description(
      "the last deliveries of the app's guardrail webhooks (every channel's), newest first → {deliveries: [...]}: event, host, status, attempts, HTTP status or error",
    )
    .requiredOption('--app <appId>', 'the app')
    .option('--limit <n>', 'at most this many (1-1000)', '20')
    .action(
      run<[], AppOptions & { limit: string }>(async (opts) => {
        const r = await requireServer(opts).call('GET /v1/apps/:appId/webhooks/deliveries', {
          params: { appId: opts.app },
          query: { limit: opts.limit },
        });
        emit(opts, r, () => describeDeliveries(r.deliveries, `no guardrail webhook deliveries for ${opts.app}`));
      }),
    );

  const release =
    program.commands.find((c) => c.name() === 'release') ?? program.command('release').description('releases');
  release
    .command('insight <releaseId>')
    .description("a release's adoption, install success, crash and rollback rates (from the rollups)")
    .requiredOption('--app <appId>', 'the app')
    .option('--channel <channel>', 'only this channel')
    .action(
      run<[string], AppOptions & { channel?: string }>(async (releaseId, opts) => {
        const r = await requireServer(opts).call('GET /v1/apps/:appId/releases/:releaseId/insight', {
          params: { appId: opts.app, releaseId },
          ...(opts.channel ? { query: { channel: opts.channel } } : {}),
        });
        emit(opts, r, () =>
          [
            `adoption: ${r.series.at(-1)?.adoption ?? 0} devices confirmed`,
            `install success ${pct(r.rates.installSuccess)}, crash ${pct(r.rates.crash)}, rollback ${pct(r.rates.rollback)}`,
            Object.entries(r.totals)
              .map(([k, v]) => `${k} ${v}`)
              .join(', '),
          ].join('\n'),
        );
      }),
    );
}
