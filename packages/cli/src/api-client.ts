import type { AdminClient, AdminHttpError, AdminRoute, CallArgs, RouteResponse } from '@updraft/api';
import { CliError } from './output.js';

/** The admin client and what it throws, loaded on the first request (not when the CLI starts). */
type ApiModule = typeof import('@updraft/api');

/** The admin API as the CLI uses it (the typed client of @updraft/api). Errors become CliErrors that say what to do. */
export class AdminApi {
  private loaded: Promise<{ api: ApiModule; client: AdminClient }> | undefined;
  constructor(
    readonly server: string,
    private readonly apiKey: string,
  ) {}

  private load(): Promise<{ api: ApiModule; client: AdminClient }> {
    this.loaded ??= Promise.all([import('@updraft/api'), import('@updraft/client/node')]).then(
      ([api, { retryingFetch }]) => ({
        api,
        client: new api.AdminClient({
          baseUrl: this.server,
          apiKey: this.apiKey,
          // Idempotent requests are sent again once when the server closed the pooled connection under them.
          fetch: (url, init, options) => retryingFetch(url, init, options),
        }),
      }),
    );
    return this.loaded;
  }

  /**
   * One admin route by `METHOD path`, typed by its schemas (AdminClient.call), with its
   * options (raw bytes, idempotent). Idempotent requests are sent again once when the server
   * closed the pooled connection under them (retryingFetch). Failures become CliErrors.
   */
  async call<R extends AdminRoute>(route: R, ...args: CallArgs<R>): Promise<RouteResponse<R>> {
    const { api, client } = await this.load();
    const { method, path } = api.routeTarget(route, (args[0] ?? {}) as { params?: object; query?: object });
    try {
      // A change the server refused with 409 metadata-changed is sent again (@updraft/api's rule).
      return await api.retryMetadataChanged(method, () => client.call(route, ...args));
    } catch (err) {
      throw api.isMetadataChanged(err, method)
        ? metadataKeptChanging(api, err)
        : this.cliError(api, err, `${method} ${path}`);
    }
  }

  /** A failed request as a CliError that says what to do. */
  private cliError(api: ApiModule, err: unknown, what: string): unknown {
    if (err instanceof api.AdminNetworkError) {
      return new CliError(
        'server-unreachable',
        `cannot reach the Updraft server at ${this.server} (${causeOf(err.cause)}); start it with 'updraft serve' or check --server`,
      );
    }
    if (!(err instanceof api.AdminHttpError)) return err;
    if (err.status === 401) {
      return new CliError(
        api.ErrorCode.unauthorized,
        // The server's message already says what to do; add the CLI's flags only when it is silent.
        err.serverMessage
          ? `${err.serverMessage}; pass it with --api-key or UPDRAFT_API_KEY`
          : "the server refused the API key; pass --api-key or set UPDRAFT_API_KEY (the owner key is in the server's data dir, admin.key)",
      );
    }
    return new CliError(
      err.code ?? `http-${err.status}`,
      err.serverMessage ?? `the server answered ${err.status} for ${err.request ?? what}`,
      {
        details: { status: err.status },
      },
    );
  }
}

/** The last refusal after every send lost the race: what happened, and what to do. */
function metadataKeptChanging(api: ApiModule, err: AdminHttpError): CliError {
  return new CliError(
    api.ErrorCode.metadataChanged,
    api.metadataKeptChangingMessage(err, 'wait until those changes are done and run the command again'),
    { details: { status: err.status, attempts: api.METADATA_CHANGED_ATTEMPTS } },
  );
}

/** fetch() fails with "fetch failed" and the reason in `cause` (an Error, or a string). */
function causeOf(err: unknown): string {
  const cause = (err as Error).cause;
  if (cause instanceof Error) return cause.message;
  return typeof cause === 'string' ? cause : (err as Error).message;
}

export function requireServer(opts: { server?: string; apiKey?: string }): AdminApi {
  const server = opts.server ?? process.env['UPDRAFT_SERVER'];
  const apiKey = opts.apiKey ?? process.env['UPDRAFT_API_KEY'];
  if (!server)
    throw new CliError(
      'usage',
      'no server given; pass --server URL or set UPDRAFT_SERVER (for example http://127.0.0.1:8787)',
      { exitCode: 2 },
    );
  if (!apiKey)
    throw new CliError(
      'usage',
      "no API key given; pass --api-key KEY or set UPDRAFT_API_KEY (the owner key is in the server's data dir, admin.key)",
      { exitCode: 2 },
    );
  return new AdminApi(server, apiKey);
}
