import { Command, CommanderError, type Option } from 'commander';
import { registerApps } from './commands/apps.js';
import { registerAudit } from './commands/audit.js';
import { registerChannel } from './commands/channel.js';
import { registerCodePush } from './commands/codepush.js';
import { registerExpo } from './commands/expo.js';
import { registerKeysApi } from './commands/keys-api.js';
import { registerReleaseOps } from './commands/release-ops.js';
import { registerDevice } from './commands/device.js';
import { registerEmbedded } from './commands/embedded.js';
import { registerLog } from './commands/log.js';
import { registerExport } from './commands/export.js';
import { registerBlobs } from './commands/blobs.js';
import { registerExpiry } from './commands/expiry.js';
import { registerKeys } from './commands/keys.js';
import { registerRefresh } from './commands/refresh.js';
import { registerPublish } from './commands/publish.js';
import { registerRelease } from './commands/release.js';
import { registerReleaseProvenance } from './commands/release-provenance.js';
import { registerReleaseSourcemap } from './commands/release-sourcemap.js';
import { registerReleaseRollback } from './commands/release-rollback.js';
import { registerServe } from './commands/serve.js';
import { registerInsight } from './commands/insight.js';
import { registerSimulate } from './commands/simulate.js';
import { registerUsers } from './commands/users.js';
import { emitError, CliError } from './output.js';

export function buildProgram(): Command {
  const program = new Command('updraft')
    .description('Updraft: secure over-the-air updates for React Native, Capacitor and Node apps')
    .version('0.1.0')
    .option('--json', 'machine-readable output on stdout (also on failure)')
    .option('--server <url>', 'Updraft server URL (default: $UPDRAFT_SERVER)')
    .option('--api-key <key>', 'admin API key (default: $UPDRAFT_API_KEY)')
    .showHelpAfterError(false)
    .exitOverride();
  // Commander prints its own usage errors; route them through the CLI's one-line format.
  program.configureOutput({ writeErr: () => {}, outputError: () => {} });
  registerServe(program);
  registerApps(program);
  registerPublish(program);
  registerRelease(program);
  registerReleaseProvenance(program);
  registerReleaseSourcemap(program);
  registerReleaseOps(program);
  registerChannel(program);
  registerKeysApi(program);
  registerAudit(program);
  registerReleaseRollback(program);
  registerDevice(program);
  registerEmbedded(program);
  registerLog(program);
  registerExport(program);
  registerBlobs(program);
  registerKeys(program);
  registerExpiry(program);
  registerRefresh(program);
  registerInsight(program);
  registerUsers(program);
  registerSimulate(program);
  registerCodePush(program);
  registerExpo(program);
  for (const cmd of [program, ...allCommands(program)]) {
    cmd.exitOverride();
    cmd.configureOutput({ writeErr: () => {}, outputError: () => {} });
    reportTyposFirst(cmd);
  }
  return program;
}

/** The parts of commander's Command that its typings keep private but that this file hooks. */
interface CommandInternals {
  args: string[];
  missingMandatoryOptionValue(option: Option): never;
  unknownOption(flag: string): never;
}

/**
 * Commander checks required options before unknown ones, so `--runtime-versoin 1.0.0` is
 * reported as a missing `--runtime-version`. A misspelt flag is the likelier story: name it
 * (commander's own unknown-option error, with its "did you mean" suggestion).
 */
function reportTyposFirst(cmd: Command): void {
  const internals = cmd as unknown as CommandInternals;
  const missing = internals.missingMandatoryOptionValue.bind(cmd);
  internals.missingMandatoryOptionValue = (option: Option) => {
    // cmd.args holds the operands and, from the first unknown flag on, everything commander did not know.
    const unknown = internals.args.find((a) => a.startsWith('-') && a.length > 1);
    if (unknown) internals.unknownOption(unknown.split('=')[0]!);
    return missing(option);
  };
}

/** The command a usage error belongs to, for a help hint that names it: `updraft publish --help`. */
function commandPath(program: Command, argv: string[]): string {
  const names: string[] = [];
  let current = program;
  for (const token of argv) {
    if (token.startsWith('-')) continue;
    const sub = current.commands.find((c) => c.name() === token || c.aliases().includes(token));
    if (!sub) break;
    names.push(sub.name());
    current = sub;
  }
  return ['updraft', ...names].join(' ');
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return 0;
      const message = err.message.replace(/^error:\s*/i, '').replace(/\n\(Did (.*)\)$/, ' (did $1)');
      const help = `${commandPath(program, argv)} --help`;
      return emitError({ json }, new CliError('usage', `${message}; see '${help}'`, { exitCode: 2 }));
    }
    return emitError({ json }, err);
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
