/**
 * Node's fetch keeps connections open for reuse. A server, proxy or load balancer may close
 * one while it sits idle in the pool; a request sent on it just then fails before any answer
 * with a reset (ECONNRESET, EPIPE) or "other side closed" (UND_ERR_SOCKET). A request that is
 * safe to send twice is sent once more, on a new connection; anything else is left to the
 * caller. Only bodies that can be sent again (strings, bytes) may be passed.
 */

const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** A connection closed under the request before an answer came (fetch's TypeError, its cause's code). */
export function isConnectionReset(err: unknown): boolean {
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && STALE_CONNECTION_CODES.has(code);
}

export interface RetryingFetchOptions {
  /** Safe to send twice. Default: by method (GET, HEAD, PUT, DELETE, OPTIONS). */
  idempotent?: boolean;
}

/** fetch(), retried once when the connection was closed under an idempotent request. */
export async function retryingFetch(
  url: string | URL,
  init: RequestInit = {},
  options: RetryingFetchOptions = {},
): Promise<Response> {
  const idempotent = options.idempotent ?? IDEMPOTENT_METHODS.has((init.method ?? 'GET').toUpperCase());
  try {
    return await fetch(url, init);
  } catch (err) {
    if (!idempotent || init.signal?.aborted || !isConnectionReset(err)) throw err;
    return fetch(url, init);
  }
}
