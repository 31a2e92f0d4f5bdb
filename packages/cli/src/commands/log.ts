import type { Command } from 'commander';
import { runLazily } from '../run.js';

export function registerLog(program: Command): void {
  const log = program.command('log').description("watch an app's transparency log");
  log
    .command('monitor')
    .description(
      'verify the log is append-only and list every release it reveals, with the releases keys in force then that signed it',
    )
    .requiredOption('--app <appId>', 'the app')
    .option('--keys <dir>', 'the app key folder (default ./updraft-keys/<appId>): root.json and the state live here')
    .option('--root <file>', 'root.json that pins the log key (default <keys>/root.json)')
    .option('--state <file>', 'where the monitor keeps what it verified (default <keys>/log-monitor.json)')
    .option('--follow', 'keep following instead of one pass')
    .option('--interval <seconds>', 'seconds between passes with --follow', '60')
    .action(runLazily(async () => (await import('../actions/log-actions.js')).monitorLog));
}
