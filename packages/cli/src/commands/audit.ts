import type { auditApi } from '@updraft/api';
import type { Command } from 'commander';
import { requireServer, type AdminApi } from '../api-client.js';
import { CliError, colour, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';
import { describeDeliveries } from '../webhook-deliveries.js';

interface AuditOptions extends GlobalOptions {
  app?: string;
  after?: string;
  limit?: string;
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit log');

  audit
    .command('list')
    .description('audit entries, oldest first → {entries: [...]}')
    .option('--app <appId>', 'only this app')
    .option('--after <seq>', 'entries after this sequence number')
    .option('--limit <n>', 'at most this many (1-1000)', '1000')
    .action(
      run<[], AuditOptions>(async (opts) => {
        const query: auditApi.ListAuditQuery = {};
        if (opts.app) query.app = opts.app;
        if (opts.after) query.after = opts.after;
        if (opts.limit) query.limit = opts.limit;
        const result = await requireServer(opts).call('GET /v1/audit', { query });
        emit(
          opts,
          result,
          () =>
            result.entries
              .map(
                (e) =>
                  `${e.seq}\t${e.at}\t${e.actorName} (${e.actorRole})\t${e.action}\t${e.target}${e.releaseId ? `\t${e.releaseId}` : ''}`,
              )
              .join('\n') || 'no entries',
        );
      }),
    );

  audit
    .command('verify')
    .description(
      "check the organization's log: its hash chain, and against its latest anchor in /log/audit (truncated or " +
        "rewritten, with the first bad position; --app: one app's chain only); exit 1 if broken, 3 if the anchor proof fails",
    )
    .option('--app <appId>', 'only this app')
    .option(
      '--log-key <vkey>',
      "the audit log's verifier key to check the anchor against (default: the key the server names)",
    )
    .action(
      run<[], AuditOptions & { logKey?: string }>(async (opts) => {
        const result = await requireServer(opts).call(
          'GET /v1/audit/verify',
          opts.app ? { query: { app: opts.app } } : {},
        );
        const { anchorProofProblem } = await import('../audit-anchor-proof.js');
        const proofProblem = result.anchor ? anchorProofProblem(result.anchor, opts.logKey) : null;
        const anchorProof = result.anchor ? (proofProblem ? 'failed' : 'verified') : 'none';
        emit(opts, { ...result, anchorProof }, () =>
          describeVerification(result, anchorProof, opts.logKey !== undefined),
        );
        if (proofProblem) {
          throw new CliError('anchor-proof-failed', `the audit anchor does not check out: ${proofProblem}`, {
            exitCode: 3,
          });
        }
        if (!result.ok) {
          const first = result.problems[0]?.message;
          process.stderr.write(`error: the audit log was tampered with (${first}); see docs/security.md "Audit log"\n`);
          process.exitCode = 1;
        }
      }),
    );

  audit
    .command('webhook')
    .description(
      "where the organization's audit alerts are posted (an audit head the anchoring job refuses) → {webhookUrl}; " +
        '--set or --clear changes it (audited as audit.webhook)',
    )
    .option('--set <url>', 'post audit alerts to this https URL (JSON POST, queued and retried)')
    .option('--clear', 'post audit alerts nowhere (the audit log and the dashboard banner still show them)')
    .option(
      '--deliveries',
      'its last deliveries instead, newest first → {deliveries: [...]}: event, host, status, attempts, HTTP status or error',
    )
    .option('--limit <n>', 'with --deliveries: at most this many (1-1000)', '20')
    .action(
      run<[], GlobalOptions & { set?: string; clear?: boolean; deliveries?: boolean; limit: string }>(async (opts) => {
        if ([opts.set !== undefined, opts.clear, opts.deliveries].filter(Boolean).length > 1) {
          throw new CliError('usage', 'give one of --set <https-url>, --clear or --deliveries', { exitCode: 2 });
        }
        const api = requireServer(opts);
        if (opts.deliveries) {
          const result = await api.call('GET /v1/audit/webhook/deliveries', { query: { limit: opts.limit } });
          emit(opts, result, () => describeDeliveries(result.deliveries, 'no audit webhook deliveries'));
          return;
        }
        const change = opts.clear ? null : opts.set;
        const result = change === undefined ? await api.call('GET /v1/audit/webhook') : await setWebhook(api, change);
        emit(opts, result, () => describeWebhook(result.webhookUrl, change !== undefined));
      }),
    );
}

/** The server's bad-webhook-url message says what it refuses in the URL; this adds where the URL goes. */
async function setWebhook(api: AdminApi, url: string | null): Promise<auditApi.AuditWebhook> {
  try {
    return await api.call('PUT /v1/audit/webhook', { body: { url } });
  } catch (err) {
    const { ErrorCode } = await import('@updraft/api');
    if (err instanceof CliError && err.code === ErrorCode.badWebhookUrl) {
      throw new CliError(err.code, `${err.message}; give --set an https URL of a public host`, {
        details: err.details,
      });
    }
    throw err;
  }
}

function describeWebhook(url: string | null, changed: boolean): string {
  if (url) return `${changed ? 'audit alerts will now be posted to' : 'audit alerts are posted to'} ${url}`;
  return `${changed ? 'audit webhook cleared' : 'no audit webhook'}: audit alerts show only in the audit log and on the dashboard; set one with updraft audit webhook --set <https-url>`;
}

function describeVerification(r: auditApi.AuditVerification, anchorProof: string, pinned: boolean): string {
  const lines = r.ok
    ? [`${colour.green('ok')}: ${r.entries} entries, head ${r.head}`]
    : [
        `${colour.red(r.status.toUpperCase())}: ${r.problems.length} problem(s); first bad position: entry ${r.firstBadSeq}`,
        ...r.problems.map((p) => `  ${p.message}`),
      ];
  if (r.anchor) {
    lines.push(
      `anchor: entry ${r.anchor.size} (${r.anchor.time}), #${r.anchor.index} in /log/audit of size ${r.anchor.treeSize}`,
      `anchor proof: ${anchorProof}${anchorProof === 'verified' && !pinned ? ' (with the key the server names; pin it with --log-key)' : ''}`,
    );
  } else if (r.appId) lines.push("anchor: anchors cover the whole organization's log; run without --app to check them");
  else lines.push('anchor: none yet (the server anchors every 5 minutes)');
  return lines.join('\n');
}
