import { ERROR_CATALOGUE, type ErrorCode, type ErrorCodeWithStatus, type ErrorEntry } from '@updraft/api';

/**
 * An error the caller caused (or a state it must resolve): a code from the catalogue of
 * @updraft/api (`{error: {code}}` is a contract the CLI and the dashboard match on) and a
 * message that says what to do. Services throw it; the error handler (http/error-handlers.ts) answers
 * the catalogue's status for the code. A code the catalogue lists with a second status
 * (`alsoStatus`) is thrown through the helper of that status (badRequest for 400…).
 */
export class ApiError<C extends ErrorCode = ErrorCode> extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: C,
    message: string,
    readonly details?: Record<string, unknown>,
    status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    const entry: ErrorEntry = ERROR_CATALOGUE[code];
    if (status !== undefined && status !== entry.status && !entry.alsoStatus?.includes(status)) {
      throw new Error(`error code ${code} is never answered with ${status} (see ERROR_CATALOGUE)`);
    }
    this.statusCode = status ?? entry.status;
  }
}

// The status in each helper's name is checked against the catalogue at compile time.
export const badRequest = (code: ErrorCodeWithStatus<400>, message: string, details?: Record<string, unknown>) =>
  new ApiError(code, message, details, 400);
export const forbidden = (code: ErrorCodeWithStatus<403>, message: string) =>
  new ApiError(code, message, undefined, 403);
export const notFound = (code: ErrorCodeWithStatus<404>, message: string) =>
  new ApiError(code, message, undefined, 404);
export const conflict = (code: ErrorCodeWithStatus<409>, message: string, details?: Record<string, unknown>) =>
  new ApiError(code, message, details, 409);

export function appNotFound(appId: string): ApiError {
  return notFound('app-not-found', `app "${appId}" does not exist; create it first (POST /v1/apps)`);
}

export function trustNotInitialized(appId: string, status: 409 | 404 = 409): ApiError {
  return new ApiError(
    'trust-not-initialized',
    `app "${appId}" has no root of trust yet; upload its root, targets and releases metadata first (PUT /v1/apps/${appId}/trust)`,
    undefined,
    status,
  );
}
