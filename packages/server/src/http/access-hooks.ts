import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, appNotFound } from '../domain/api-error.js';
import type { Access, Actor } from '../domain/access.js';
import { checkAccess } from '../domain/access.js';
import { mayReachApp, sessionCookieOf, type Services } from '../domain/services.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The role and scope the route needs; a /v1 route without it is refused (fail closed). */
    access?: Access;
  }
  interface FastifyRequest {
    actor?: Actor;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const UNAUTHORIZED: Record<string, string> = {
  missing: 'send an API key as "Authorization: Bearer <key>" (the owner key is in admin.key in the server data folder)',
  unknown: 'the API key is unknown; use a valid key (the owner key is in admin.key in the server data folder)',
  revoked: 'the API key was revoked at {at}; ask an admin for a new one (updraft keys api create)',
  expired: 'the API key expired at {at}; ask an admin for a new one (updraft keys api create)',
};

/** The caller of a /v1 route (set by the onRequest hook below). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new Error('route used without the admin access hooks');
  return request.actor;
}

/**
 * The organization-wide routes an app-limited key may still call: they answer only about its
 * own apps (or mint a key limited to them). Everything else about the organization is refused.
 */
const APP_LIMITED_OK = new Set(['GET /v1/apps', 'GET /v1/org', 'GET /v1/me', 'POST /v1/keys']);

/**
 * Authentication and authorization for the admin API. onRequest runs before any body is
 * read, so an unauthenticated or unauthorized 100 MB upload costs nothing. The app's
 * organization is checked once params are validated: another organization's app is
 * answered exactly like an app that does not exist.
 */
export function installAccessHooks(app: FastifyInstance, services: Services): void {
  app.addHook('onRequest', async (request, reply) => {
    // The dashboard's session cookie stands in for the bearer key; a change made with it must
    // carry a header a cross-site form cannot send (session-routes.ts).
    const cookie =
      request.headers.authorization === undefined
        ? sessionCookieOf(request.headers.cookie, request.protocol === 'https')
        : null;
    if (cookie && !SAFE_METHODS.has(request.method) && request.headers['x-updraft-csrf'] !== '1') {
      throw new ApiError('csrf', 'a change made with the dashboard session needs the header x-updraft-csrf: 1');
    }
    const result = cookie
      ? await services.users.authenticateSession(cookie)
      : await services.auth.authenticate(request.headers.authorization);
    if ('problem' in result) {
      void reply.header('www-authenticate', 'Bearer');
      const message = cookie
        ? `the dashboard session is ${result.problem === 'unknown' ? 'over' : result.problem}; sign in again`
        : UNAUTHORIZED[result.problem]!.replace('{at}', result.at ?? '');
      throw new ApiError('unauthorized', message);
    }
    const p = result.principal;
    request.actor = {
      id: p.id,
      orgId: p.orgId,
      name: p.name,
      kind: p.kind,
      role: p.role,
      scopes: p.scopes,
      requestId: request.id,
      apps: p.apps,
      expiresAt: p.expiresAt,
    };
    const access = request.routeOptions.config.access;
    if (!access) {
      // Unknown URLs reach here too: let them 404 rather than 403.
      if (request.routeOptions.url === undefined) return;
      throw new ApiError('forbidden', `${request.method} ${request.routeOptions.url} declares no access rule`);
    }
    checkAccess(request.actor, access);
    const appId = (request.params as { appId?: unknown } | undefined)?.appId;
    if (p.apps && appId === undefined && !APP_LIMITED_OK.has(`${request.method} ${request.routeOptions.url}`)) {
      throw new ApiError(
        'forbidden-app',
        `the key "${p.name}" is limited to ${p.apps.join(', ')}; ${request.method} ${request.routeOptions.url} concerns the whole organization and needs a key for every app`,
      );
    }
  });

  app.addHook('preHandler', async (request) => {
    const appId = (request.params as { appId?: unknown } | undefined)?.appId;
    if (typeof appId !== 'string' || !request.actor) return;
    // An app-limited key sees nothing of other apps: the same 404 as an app that does not exist.
    if (!mayReachApp(request.actor, appId)) throw appNotFound(appId);
    const orgId = await services.auth.orgOfApp(appId);
    if (orgId !== null && orgId !== request.actor.orgId) throw appNotFound(appId);
  });
}
