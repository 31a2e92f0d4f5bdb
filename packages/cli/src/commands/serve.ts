import type { Command } from 'commander';
import { resolve } from 'node:path';
import { startServer } from '@updraft/server';
import { CliError, colour } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

interface ServeOptions extends GlobalOptions {
  host: string;
  port: string;
  data: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the update server (embedded SQLite + a blob folder under --data)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '8787')
    .option('--data <dir>', 'data folder', '.updraft')
    .action(
      run<[], ServeOptions>(async (opts) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new CliError('usage', `--port must be a number from 0 to 65535, not "${opts.port}"`, { exitCode: 2 });
        }
        const dataDir = resolve(opts.data);
        const server = await startServer({ host: opts.host, port, dataDir });
        if (opts.json) {
          process.stdout.write(
            JSON.stringify({ url: server.url, dataDir, adminKeyPath: server.adminKeyPath, adminKey: server.adminKey }) +
              '\n',
          );
        } else {
          const lines = [
            `${colour.green('Updraft')} is serving on ${colour.bold(server.url)}  ${colour.dim(`(data: ${dataDir})`)}`,
          ];
          if (server.adminKey) {
            lines.push(`owner API key (shown once, also saved to ${server.adminKeyPath}):`, `  ${server.adminKey}`);
          } else {
            lines.push(`owner API key: in ${server.adminKeyPath}`);
          }
          lines.push(
            'next, in another terminal:',
            `  export UPDRAFT_SERVER=${server.url} UPDRAFT_API_KEY=$(cat ${server.adminKeyPath})`,
            '  npx updraft apps create com.example.app',
          );
          process.stdout.write(lines.join('\n') + '\n');
        }
        const stop = async () => {
          await server.close();
          process.exit(0);
        };
        process.once('SIGINT', () => void stop());
        process.once('SIGTERM', () => void stop());
      }),
    );
}
