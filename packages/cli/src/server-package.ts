import { CliError } from './output.js';

/**
 * The server (Fastify, SQLite's native addon, PostgreSQL, the AWS SDK) is a separate package
 * that the CLI loads only for the commands that run it or read its storage (serve, export,
 * blobs verify): a machine that only publishes installs none of it.
 */
export type ServerPackage = typeof import('@updraft/server');

const SERVER_PACKAGE = '@updraft/server';

/** The log levels `serve --log-level` takes, for its help text (the server checks them). */
export const SERVER_LOG_LEVELS = 'fatal, error, warn, info, debug, trace, silent';

export async function loadServer(command: string): Promise<ServerPackage> {
  try {
    return await import('@updraft/server');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(`'${SERVER_PACKAGE}'`)) {
      throw new CliError(
        'server-not-installed',
        `'updraft ${command}' needs the server package, which is not installed; install it beside the CLI with 'npm install ${SERVER_PACKAGE}' (the same version as @updraft/cli)`,
        { details: { package: SERVER_PACKAGE } },
      );
    }
    throw err;
  }
}
