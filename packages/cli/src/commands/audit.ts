import type { auditApi } from '@updraft/api';
import type { Command } from 'commander';
import { requireServer } from '../api-client.js';
import { anchorProofProblem } from '../audit-anchor-proof.js';
import { CliError, colour, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

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
