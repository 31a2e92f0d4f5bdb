import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { accessApi } from '@updraft/api';
import type { FastifyRequest } from 'fastify';
import { SESSION_TTL_MS, sessionCookieName, sessionCookieOf, type Services } from '../domain/services.js';

function cookieHeader(request: FastifyRequest, value: string, maxAgeS: number): string {
  // Secure and `__Host-` when the request came over HTTPS (directly or through a proxy named
  // by --trust-proxy); over plain http (local development) a browser would drop a Secure cookie.
  const https = request.protocol === 'https';
  const secure = https ? '; Secure' : '';
  return `${sessionCookieName(https)}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`;
}

/**
 * Dashboard sign-in: a user's email and password, or an API key, opens a session held in an
 * httpOnly, SameSite=Strict cookie (JavaScript cannot read it; other sites cannot send it).
 * Requests authenticated by the cookie that change anything must also carry
 * `x-updraft-csrf: 1` (access-hooks.ts), which a cross-site form cannot send.
 */
export const sessionRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  app.post(
    '/auth/session',
    {
      schema: {
        tags: ['keys'],
        summary: 'Sign in to the dashboard (email + password, or an API key); sets the session cookie',
        ...accessApi.signIn,
      },
    },
    async (request, reply) => {
      const { cookie, expiresAt } = await services.users.signIn(request.body);
      void reply.header('set-cookie', cookieHeader(request, cookie, SESSION_TTL_MS / 1000));
      return { expiresAt };
    },
  );

  app.delete(
    '/auth/session',
    { schema: { tags: ['keys'], summary: 'Sign out: ends the session and clears the cookie', ...accessApi.signOut } },
    async (request, reply) => {
      const cookie = sessionCookieOf(request.headers.cookie, request.protocol === 'https');
      if (cookie) await services.users.signOut(cookie);
      void reply.header('set-cookie', cookieHeader(request, '', 0));
      return { ok: true } as const;
    },
  );
};
