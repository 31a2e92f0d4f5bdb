import type { Command } from 'commander';
import type { ExpiryPolicy } from '@updraft/signing';
import { EXPIRY_FIELDS, type ExpiryField } from '@updraft/signing/vocabulary';
import { requireServer } from '../api-client.js';
import { CliError, colour, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

/** `updraft apps expiry <appId>`: show or set how long each role's metadata stays valid. */

type ExpiryOptions = GlobalOptions & Partial<Record<ExpiryField, string>>;

const FLAG: Record<ExpiryField, string> = {
  root: 'root',
  targets: 'targets',
  releases: 'releases',
  director: 'director',
  snapshot: 'snapshot',
  timestamp: 'timestamp',
  warnBefore: 'warn-before',
};

export function registerExpiry(program: Command): void {
  const apps = program.commands.find((c) => c.name() === 'apps') ?? program.command('apps');
  const cmd = apps
    .command('expiry <appId>')
    .description(
      "show or set the app's metadata lifetimes (e.g. --timestamp 1d --director 7d); the server re-signs at once",
    );
  for (const field of EXPIRY_FIELDS) {
    cmd.option(
      `--${FLAG[field]} <duration>`,
      field === 'warnBefore'
        ? 'warn this long before offline metadata expires'
        : `lifetime of ${field} metadata (90s, 30m, 12h, 7d)`,
    );
  }
  cmd.action(
    run<[string], ExpiryOptions>(async (appId, opts) => {
      const api = requireServer(opts);
      const { formatDuration, parseDuration } = await import('@updraft/signing');
      const change: Partial<Record<ExpiryField, number>> = {};
      for (const field of EXPIRY_FIELDS) {
        const text = opts[field];
        if (text === undefined) continue;
        const seconds = parseDuration(text);
        if (seconds === null || seconds < 1) {
          throw new CliError('usage', `--${FLAG[field]} must be a duration like 90s, 30m, 12h or 7d, not "${text}"`, {
            exitCode: 2,
          });
        }
        change[field] = seconds;
      }
      const params = { appId };
      const policy: ExpiryPolicy & { resigned?: string[] } =
        Object.keys(change).length > 0
          ? await api.call('PUT /v1/apps/:appId/expiry', { params, body: change })
          : await api.call('GET /v1/apps/:appId/expiry', { params });
      emit(opts, policy, () =>
        [
          `${colour.bold(appId)} metadata lifetimes:`,
          ...EXPIRY_FIELDS.map((f) => `  ${FLAG[f].padEnd(11)} ${formatDuration(policy[f])}`),
          policy.resigned ? colour.dim(`re-signed now: ${policy.resigned.join(', ') || 'nothing'}`) : '',
        ]
          .filter(Boolean)
          .join('\n'),
      );
    }),
  );
}
