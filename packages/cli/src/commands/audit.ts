import type { Command } from 'commander';
import { requireServer } from '../api-client.js';
import { colour, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

interface AuditOptions extends GlobalOptions {
  app?: string;
  after?: string;
  limit?: string;
}

interface Entry {
  seq: number;
  at: string;
  actorName: string;
  actorRole: string;
  action: string;
  target: string;
  releaseId: string | null;
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
        const q = new URLSearchParams();
        if (opts.app) q.set('app', opts.app);
        if (opts.after) q.set('after', opts.after);
        if (opts.limit) q.set('limit', opts.limit);
        const result = await requireServer(opts).request<{ entries: Entry[] }>('GET', `/v1/audit?${q.toString()}`);
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
    .description("check the hash chain of the whole organization's log (--app: one app's chain); exit 1 if broken")
    .option('--app <appId>', 'only this app')
    .action(
      run<[], AuditOptions>(async (opts) => {
        const q = opts.app ? `?app=${encodeURIComponent(opts.app)}` : '';
        const result = await requireServer(opts).request<{
          ok: boolean;
          entries: number;
          head: string;
          problems: { seq: number; message: string }[];
        }>('GET', `/v1/audit/verify${q}`);
        emit(opts, result, () =>
          result.ok
            ? `${colour.green('ok')}: ${result.entries} entries, head ${result.head}`
            : [
                `${colour.red('BROKEN')}: ${result.problems.length} problem(s)`,
                ...result.problems.map((p) => `  ${p.message}`),
              ].join('\n'),
        );
        if (!result.ok) {
          process.stderr.write(`error: the audit log was tampered with (${result.problems[0]?.message})\n`);
          process.exitCode = 1;
        }
      }),
    );
}
