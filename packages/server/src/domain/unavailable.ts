/**
 * A backing service (the database, the blob store) that cannot be reached right now. Such a
 * failure is not the request's fault nor a bug: the server answers 503 with Retry-After and
 * recovers by itself when the service returns. Errors are marked where they arise (the
 * PostgreSQL pool, the S3 blob store), so the error handler, readiness and metrics need no
 * knowledge of each driver's error shapes.
 */

export type Dependency = 'database' | 'blob-store';

const MARK = Symbol.for('updraft.unavailable');

/** Seconds a client should wait before retrying while a dependency is away. */
export const RETRY_AFTER_SECONDS = 5;

/** Network-level failures: the service is down, restarting or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * PostgreSQL SQLSTATEs for a server going away or not taking connections: class 08
 * (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect now), 53300 (too
 * many connections).
 */
function isPostgresUnavailableState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

/** node-postgres reports a dropped or unusable connection with these messages and no code. */
const PG_CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Client was closed/i;

export function isPostgresConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || isPostgresUnavailableState(code))) return true;
  return PG_CONNECTION_MESSAGES.test(err.message);
}

/** The AWS SDK: a network failure, a timeout, or a 5xx/503 SlowDown from the store. */
export function isS3ConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; $metadata?: { httpStatusCode?: number }; cause?: unknown };
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e.name === 'TimeoutError' || e.name === 'RequestTimeout') return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return e.cause !== undefined && e.cause !== err && isS3ConnectionError(e.cause);
}

/** Marks `err` (in place) as the dependency being unavailable, and returns it. */
export function markUnavailable<T>(err: T, dependency: Dependency): T {
  if (err !== null && typeof err === 'object' && !(MARK in err)) {
    Object.defineProperty(err, MARK, { value: dependency, enumerable: false });
  }
  return err;
}

/** Which dependency was unavailable when `err` was thrown, or null for any other error. */
export function unavailableDependency(err: unknown): Dependency | null {
  if (err === null || typeof err !== 'object') return null;
  const mark = (err as Record<symbol, unknown>)[MARK];
  return mark === 'database' || mark === 'blob-store' ? mark : null;
}

export function describeUnavailable(dependency: Dependency): string {
  return dependency === 'database'
    ? `the database is unavailable; the server recovers by itself when it returns, retry in ${RETRY_AFTER_SECONDS} s`
    : `the blob store is unavailable; the server recovers by itself when it returns, retry in ${RETRY_AFTER_SECONDS} s`;
}
