import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { releaseOpsApi } from '@updraft/api';
import type { Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, adminRoute } from './route-schemas.js';

/** Release operations after publish (domain/release-ops-service.ts). */
export const releaseOpsRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  const ops = services.releaseOps;

  app.get(
    '/apps/:appId/releases/:releaseId',
    adminRoute(
      ACCESS.read,
      'releases',
      'One release: notes, channels serving it, schedules',
      releaseOpsApi.showRelease,
    ),
    async (request) => ops.show(request.params.appId, request.params.releaseId),
  );

  app.patch(
    '/apps/:appId/releases/:releaseId',
    adminRoute(ACCESS.releaseOps, 'releases', 'Set the release notes', releaseOpsApi.setNotes),
    async (request) =>
      ops.setNotes(actorOf(request), request.params.appId, request.params.releaseId, request.body.notes),
  );

  app.post(
    '/apps/:appId/releases/:releaseId/promote',
    adminRoute(
      ACCESS.releaseOps,
      'releases',
      'Serve an already signed release on another channel (no upload, no re-signing of code)',
      releaseOpsApi.promote,
    ),
    async (request, reply) => {
      const result = await ops.promote(actorOf(request), request.params.appId, request.params.releaseId, request.body);
      return reply.code(result.scheduled ? 202 : 200).send(result);
    },
  );

  app.post(
    '/apps/:appId/releases/:releaseId/rollout',
    adminRoute(
      ACCESS.releaseOps,
      'releases',
      'Set the rollout percentage of the current release of a channel (resumes a halted rollout)',
      releaseOpsApi.rollout,
    ),
    async (request) =>
      ops.rollout(
        actorOf(request),
        request.params.appId,
        request.params.releaseId,
        request.body.channel,
        request.body.basisPoints,
      ),
  );

  app.post(
    '/apps/:appId/releases/:releaseId/halt',
    adminRoute(
      ACCESS.releaseOps,
      'releases',
      'Halt a rollout: devices not yet updated get the previous release',
      releaseOpsApi.halt,
    ),
    async (request) => ops.halt(actorOf(request), request.params.appId, request.params.releaseId, request.body.channel),
  );

  app.post(
    '/apps/:appId/releases/:releaseId/resume',
    adminRoute(ACCESS.releaseOps, 'releases', 'Resume a halted rollout', releaseOpsApi.resume),
    async (request) =>
      ops.resume(actorOf(request), request.params.appId, request.params.releaseId, request.body.channel),
  );

  app.post(
    '/apps/:appId/releases/:releaseId/disable',
    adminRoute(
      ACCESS.releaseOps,
      'releases',
      'Never serve the release again; channels serving it go back to their previous release',
      releaseOpsApi.disable,
    ),
    async (request) => ops.disable(actorOf(request), request.params.appId, request.params.releaseId),
  );
};
