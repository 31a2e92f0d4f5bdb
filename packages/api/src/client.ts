import type { ErrorCode } from './errors.js';
import { ADMIN_ROUTES, routeTarget, type AdminRoute, type RouteInput, type RouteResponse } from './routes/table.js';

/** How the client sends a request: the global fetch, or one that retries (the CLI's). */
export type FetchLike = (url: string, init: RequestInit, options: { idempotent?: boolean }) => Promise<Response>;

export interface AdminClientOptions {
  /** The server's origin, e.g. http://127.0.0.1:8787; '' for the page's own origin (the dashboard). */
  baseUrl: string;
  /** An API key, sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** The dashboard session: the cookie goes along, and every change carries the CSRF header. */
  session?: boolean;
  fetch?: FetchLike;
}

/** What send() puts on the wire: a JSON body or raw bytes, and whether a retrying fetch may resend it. */
interface SendOptions {
  json?: unknown;
  raw?: Uint8Array;
  idempotent?: boolean;
}

/** The server could not be reached; `cause` says why. */
export class AdminNetworkError extends Error {
  constructor(cause: unknown) {
    super('the server could not be reached', { cause });
    this.name = 'AdminNetworkError';
  }
}

/**
 * The server answered with an error status. `code` and `serverMessage` are the server's
 * `{error: {code, message}}` when it sent one (compare `code` with the ErrorCode constants).
 */
export class AdminHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | string | undefined,
    readonly serverMessage: string | undefined,
    readonly body: unknown,
    /** `METHOD /path` of the request that failed. */
    readonly request?: string,
  ) {
    super(serverMessage ?? `the server answered ${status}`);
    this.name = 'AdminHttpError';
  }
}

/** How a call is sent, beyond what the route's schemas say. */
export interface CallOptions {
  /** The body as raw bytes (application/octet-stream), for a route whose body is not JSON: a blob, a source map. */
  raw?: Uint8Array;
  /** Safe to send twice although the method is POST (a query such as "which blobs are missing"): a retrying fetch may resend it. */
  idempotent?: boolean;
}

/** The input of a call (optional when the route needs none: no path parameters, no body), then its options. */
export type CallArgs<R extends AdminRoute> =
  Record<string, never> extends RouteInput<R>
    ? [input?: RouteInput<R>, options?: CallOptions]
    : [input: RouteInput<R>, options?: CallOptions];

const defaultFetch: FetchLike = (url, init) => fetch(url, init);

/** The admin API over fetch: one place that sends credentials, encodes bodies and reads errors. */
export class AdminClient {
  private readonly fetch: FetchLike;
  constructor(private readonly options: AdminClientOptions) {
    this.fetch = options.fetch ?? defaultFetch;
  }

  /**
   * One admin route, typed by its schemas: `call('GET /v1/apps/:appId/channels', { params: { appId } })`
   * answers the route's response type: its JSON, or its bytes when the route answers raw bytes
   * (a source map). Throws AdminNetworkError, or AdminHttpError for an error status.
   */
  async call<R extends AdminRoute>(route: R, ...args: CallArgs<R>): Promise<RouteResponse<R>> {
    const input = (args[0] ?? {}) as { params?: object; query?: object; body?: unknown };
    const options: CallOptions = args[1] ?? {};
    const { method, path } = routeTarget(route, input);
    const res = await this.send(method, path, {
      ...(options.raw ? { raw: options.raw } : input.body !== undefined ? { json: input.body } : {}),
      ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
    });
    if (res.ok && answersBytes(route)) return new Uint8Array(await res.arrayBuffer()) as RouteResponse<R>;
    const json = await readJson(res);
    if (!res.ok) throw httpError(res, json, `${method} ${path}`);
    return json as RouteResponse<R>;
  }

  private async send(method: string, path: string, opts: SendOptions): Promise<Response> {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}${path}`;
    const headers: Record<string, string> = {};
    if (this.options.apiKey !== undefined) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    if (this.options.session && method !== 'GET') headers['x-updraft-csrf'] = '1';
    let body: string | Uint8Array | null = null;
    if (opts.raw) {
      headers['content-type'] = 'application/octet-stream';
      body = opts.raw;
    } else if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    // A Uint8Array over any buffer is a valid body; the DOM types want one over an ArrayBuffer.
    const init: RequestInit = { method, headers, body: body as BodyInit | null };
    if (this.options.session) init.credentials = 'same-origin';
    try {
      // Without `idempotent`, a retrying fetch decides by the method.
      return await this.fetch(url, init, opts.idempotent !== undefined ? { idempotent: opts.idempotent } : {});
    } catch (err) {
      throw new AdminNetworkError(err);
    }
  }
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined; // Not JSON: an error is reported with its status.
  }
}

function httpError(res: Response, json: unknown, request: string): AdminHttpError {
  const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
  return new AdminHttpError(res.status, e?.code, e?.message, json, request);
}

/** A route whose success answer is raw bytes (declared as `content`), not JSON. */
function answersBytes(route: AdminRoute): boolean {
  const response: Record<string, object> = ADMIN_ROUTES[route].response;
  return Object.entries(response).some(([status, schema]) => status.startsWith('2') && 'content' in schema);
}
