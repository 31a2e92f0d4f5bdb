/**
 * An error the caller caused (or a state it must resolve), with the HTTP status, a stable
 * machine code (`{error: {code}}` is a contract the CLI matches on) and a message that says
 * what to do. Services throw it; the error handler turns it into the response.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new ApiError(400, code, message, details);
export const forbidden = (code: string, message: string) => new ApiError(403, code, message);
export const notFound = (code: string, message: string) => new ApiError(404, code, message);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new ApiError(409, code, message, details);

export function appNotFound(appId: string): ApiError {
  return notFound('app-not-found', `app "${appId}" does not exist; create it first (POST /v1/apps)`);
}

export function trustNotInitialized(appId: string, status = 409): ApiError {
  return new ApiError(
    status,
    'trust-not-initialized',
    `app "${appId}" has no root of trust yet; upload its root, targets and releases metadata first (PUT /v1/apps/${appId}/trust)`,
  );
}
