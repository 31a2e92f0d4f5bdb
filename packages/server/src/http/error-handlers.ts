import { ErrorCode, type ErrorBody } from '@updraft/api';
import { isUpdraftError } from '@updraft/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError } from '../domain/api-error.js';
import type { Metrics } from '../app/metrics.js';
import { describeUnavailable, RETRY_AFTER_SECONDS, unavailableDependency } from '../domain/unavailable.js';
import { PATTERN_WORDING } from './route-schemas.js';

export type { ErrorBody };

/**
 * `{error: {code, message}}` for every failure; codes are a contract (the catalogue of
 * @updraft/api), messages say what to do. Protocol parsers' reason codes (docs/protocol.md §6)
 * pass through as the code of a 400.
 */
function errorBody(code: ErrorCode | string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, ...details } };
}

type ValidationIssue = NonNullable<FastifyError['validation']>[number];

/** Turns an ajv error into a sentence naming the field, e.g. `body.appId must be …`. */
function describeValidation(context: string | undefined, issue: ValidationIssue | undefined): string {
  if (!issue) return 'the request is invalid';
  const field = issue.instancePath
    .split('/')
    .filter(Boolean)
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : `${acc}.${seg}`), context ?? 'request');
  const params = issue.params as Record<string, unknown>;
  switch (issue.keyword) {
    case 'required':
      return `${field}.${String(params['missingProperty'])} is required`;
    case 'additionalProperties':
      return `${field} has an unknown field "${String(params['additionalProperty'])}"`;
    case 'pattern': {
      const wording = PATTERN_WORDING[String(params['pattern'])];
      return `${field} must be ${wording ?? `a string matching ${String(params['pattern'])}`}`;
    }
    default:
      return `${field} ${issue.message ?? 'is invalid'}`;
  }
}

export function installErrorHandlers(app: FastifyInstance, metrics?: Metrics): void {
  app.setErrorHandler((err: FastifyError | ApiError | Error, request, reply) => {
    // An upload refused while its body was still arriving (a full disk, the blob store away:
    // the store destroys the request stream to stop reading it) leaves the rest of the body
    // unread on the socket, where a request sent next on the connection would wait unanswered
    // until the keep-alive timeout. The connection closes after this answer instead.
    if (request.raw.destroyed && !request.raw.complete) void reply.header('connection', 'close');
    if (err instanceof ApiError) {
      // The status is the catalogue's for the code (ApiError looks it up).
      if (err.statusCode === 413) void reply.header('connection', 'close');
      return reply.code(err.statusCode).send(errorBody(err.code, err.message, err.details));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply
        .code(400)
        .send(errorBody(ErrorCode.invalidRequest, describeValidation(fe.validationContext, fe.validation[0])));
    }
    if (isUpdraftError(err)) {
      // Protocol parsers reject untrusted input; a service that forgot to translate one still answers 400.
      return reply.code(400).send(errorBody(err.reason, err.message));
    }
    const status = fe.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // Fastify's own client errors: invalid JSON, unsupported media type, body too large…
      const code =
        fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
          ? ErrorCode.invalidJson
          : status === 413
            ? ErrorCode.tooLarge
            : status === 415
              ? ErrorCode.unsupportedMediaType
              : ErrorCode.badRequest;
      return reply.code(status).send(errorBody(code, fe.message));
    }
    const away = unavailableDependency(err);
    if (away) {
      metrics?.dependencyErrors.inc({ dependency: away });
      // Not a bug and not the caller's fault: the dependency is down; the next attempt may work.
      request.log.warn(
        { err: { message: err.message, code: (err as { code?: unknown }).code } },
        `${away} unavailable`,
      );
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send(errorBody(ErrorCode.unavailable, describeUnavailable(away), { dependency: away }));
    }
    metrics?.serverErrors.inc();
    request.log.error({ err }, 'unhandled error');
    return reply
      .code(500)
      .send(
        errorBody(ErrorCode.internal, `internal server error (request ${request.id}); the server log has the details`),
      );
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody(ErrorCode.notFound, `${request.method} ${request.url.split('?')[0]} does not exist`)),
  );
}
