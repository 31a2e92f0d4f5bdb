import { retryingFetch } from '@updraft/client/node';
import { CliError } from './output.js';

/** The admin API as the CLI uses it. Errors become CliErrors that say what to do. */
export class AdminApi {
  constructor(
    readonly server: string,
    private readonly apiKey: string,
  ) {}

  /**
   * `idempotent`: safe to send twice although the method is POST (a query such as "which
   * blobs are missing"). Idempotent requests are sent again once when the server closed the
   * pooled connection under them (retryingFetch).
   */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    rawBody?: Uint8Array,
    options: { idempotent?: boolean } = {},
  ): Promise<T> {
    const url = `${this.server.replace(/\/+$/, '')}${path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}` };
    let payload: string | Uint8Array | undefined;
    if (rawBody) {
      headers['content-type'] = 'application/octet-stream';
      payload = rawBody;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await this.send(url, { method, headers, body: payload }, options);
    return (await this.answer(res, method, path)) as T;
  }

  /** A GET whose answer is bytes (a source map), not JSON; errors as request() reports them. */
  async download(path: string): Promise<Uint8Array> {
    const url = `${this.server.replace(/\/+$/, '')}${path}`;
    const res = await this.send(url, { headers: { authorization: `Bearer ${this.apiKey}` } });
    if (res.ok) return new Uint8Array(await res.arrayBuffer());
    return (await this.answer(res, 'GET', path)) as never;
  }

  private async send(url: string, init: RequestInit, options: { idempotent?: boolean } = {}): Promise<Response> {
    try {
      return await retryingFetch(url, init, options);
    } catch (err) {
      throw new CliError(
        'server-unreachable',
        `cannot reach the Updraft server at ${this.server} (${causeOf(err)}); start it with 'updraft serve' or check --server`,
      );
    }
  }

  /** The JSON of a successful answer; a failed one as a CliError that says what to do. */
  private async answer(res: Response, method: string, path: string): Promise<unknown> {
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: reported below with the status.
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      if (res.status === 401) {
        throw new CliError(
          'unauthorized',
          // The server's message already says what to do; add the CLI's flags only when it is silent.
          e?.message
            ? `${e.message}; pass it with --api-key or UPDRAFT_API_KEY`
            : "the server refused the API key; pass --api-key or set UPDRAFT_API_KEY (the owner key is in the server's data dir, admin.key)",
        );
      }
      throw new CliError(
        e?.code ?? `http-${res.status}`,
        e?.message ?? `the server answered ${res.status} for ${method} ${path}`,
        {
          details: { status: res.status },
        },
      );
    }
    return json;
  }
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
