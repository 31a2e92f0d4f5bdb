import { ROLES, type Role } from '@updraft/api/vocabulary';
import type { Command } from 'commander';
import { requireServer } from '../api-client.js';
import { CliError, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `updraft users create|list|disable`: dashboard sign-in accounts (members of the organization). */
export function registerUsers(program: Command): void {
  const users = program.command('users').description('dashboard users: email + password, a role in the organization');
  users
    .command('create')
    .description('create a dashboard user; the password comes from --password-stdin or $UPDRAFT_USER_PASSWORD')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--role <role>', [...ROLES].reverse().join(' | '))
    .option('--password-stdin', 'read the password from standard input')
    .action(
      run<[], GlobalOptions & { email: string; role: string; passwordStdin?: boolean }>(async (opts) => {
        const password = opts.passwordStdin ? await readStdin() : process.env['UPDRAFT_USER_PASSWORD'];
        if (!password) {
          throw new CliError(
            'usage',
            'give the password with --password-stdin or UPDRAFT_USER_PASSWORD (at least 12 characters; never on the command line)',
            { exitCode: 2 },
          );
        }
        const u = await requireServer(opts).call('POST /v1/users', {
          // The server refuses an unknown role with a message that lists the roles.
          body: { email: opts.email, role: opts.role as Role, password },
        });
        emit(opts, u, () => `created user ${u.email} (${u.role}), id ${u.id}`);
      }),
    );
  users
    .command('list')
    .description("the organization's dashboard users")
    .action(
      run<[], GlobalOptions>(async (opts) => {
        const r = await requireServer(opts).call('GET /v1/users');
        emit(opts, r, () =>
          r.users
            .map((u) => `${u.id}\t${u.email}\t${u.role}\t${u.disabledAt ? `disabled ${u.disabledAt}` : 'active'}`)
            .join('\n'),
        );
      }),
    );
  users
    .command('disable <id>')
    .description('disable a user; its sessions end at once')
    .action(
      run<[string], GlobalOptions>(async (id, opts) => {
        const u = await requireServer(opts).call('DELETE /v1/users/:userId', { params: { userId: id } });
        emit(opts, u, () => `disabled ${u.email}`);
      }),
    );
}
