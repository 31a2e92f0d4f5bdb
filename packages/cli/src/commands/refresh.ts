import type { Command } from 'commander';
import { runLazily } from '../run.js';

/**
 * `updraft refresh --app A`: keeps an app's metadata from expiring. The server re-signs what
 * is near expiry (timestamp, snapshot, director); offline roles near expiry are renewed with
 * the key folder's keys when they are there; with --out the refreshed metadata is written
 * into a static export (DIR/repo/<appId>/metadata/…), for a cron job in static mode.
 */

export function registerRefresh(program: Command): void {
  program
    .command('refresh')
    .description(
      're-sign metadata near expiry (server and, with its keys, offline roles); --out updates a static export',
    )
    .requiredOption('--app <appId>', 'the app')
    .option('--keys <dir>', 'the key folder (default ./updraft-keys/<appId>)')
    .option('--root <file>', 'the trust anchor (default <keys>/root.json)')
    .option('--out <dir>', 'a static export folder: write the refreshed metadata under <dir>/repo/<appId>/metadata')
    .option('--force', 'have the server re-sign timestamp, snapshot and director even when not near expiry')
    .action(runLazily(async () => (await import('../actions/refresh-actions.js')).refresh));
}
