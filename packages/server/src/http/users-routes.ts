import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { accessApi } from '@updraft/api';
import { SCOPES, checkAccess, mayChangeProtected, type Actor, type Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, adminRoute } from './route-schemas.js';

/** What the caller may do, per named access rule (the dashboard shows only these actions). */
export function permissionsOf(actor: Actor): Record<string, boolean> {
  const may: Record<string, boolean> = {};
  for (const [name, access] of Object.entries(ACCESS)) {
    try {
      checkAccess(actor, access);
      may[name] = true;
    } catch {
      may[name] = false;
    }
  }
  // Release operations on a protected channel need more than the route's role.
  may['releaseOpsProtected'] = may['releaseOps'] === true && mayChangeProtected(actor);
  return may;
}

/** Dashboard users, and who the caller is. */
export const userRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  app.get(
    '/me',
    {
      // Every key may ask who it is, whatever its scopes.
      config: { access: { role: 'viewer', scopes: SCOPES } },
      schema: { tags: ['keys'], summary: 'Who the caller is and what it may do', ...accessApi.getMe },
    },
    async (request) => {
      const actor = actorOf(request);
      const org = await services.apiKeys.organization(actor);
      return {
        id: actor.id,
        name: actor.name,
        kind: actor.kind,
        role: actor.role,
        scopes: actor.scopes,
        org: { id: org.id, name: org.name },
        may: permissionsOf(actor),
      };
    },
  );

  app.post(
    '/users',
    adminRoute(
      ACCESS.keys,
      'keys',
      'Create a dashboard user (email + password, a role in this organization)',
      accessApi.createUser,
    ),
    async (request, reply) => reply.code(201).send(await services.users.create(actorOf(request), request.body)),
  );

  app.get(
    '/users',
    adminRoute(ACCESS.keys, 'keys', "The organization's dashboard users", accessApi.listUsers),
    async (request) => ({ users: await services.users.list(actorOf(request)) }),
  );

  app.delete(
    '/users/:userId',
    adminRoute(ACCESS.keys, 'keys', 'Disable a dashboard user (its sessions end at once)', accessApi.disableUser),
    async (request) => services.users.disable(actorOf(request), request.params.userId),
  );
};
