import type { FastifyPluginAsync } from 'fastify';
import type { PromoteInput, Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import {
  ACCESS,
  basisPoints,
  dateTime,
  identifier,
  noQuery,
  notes,
  releaseParams,
  targeting,
} from './route-schemas.js';

const channelBody = (extra: Record<string, unknown> = {}, required: string[] = []) =>
  ({
    type: 'object',
    required: ['channel', ...required],
    properties: { channel: identifier, ...extra },
    additionalProperties: false,
  }) as const;

type Params = { appId: string; releaseId: string };

/** Release operations after publish (domain/release-ops-service.ts). */
export const releaseOpsRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const ops = services.releaseOps;

  app.get<{ Params: Params }>(
    '/apps/:appId/releases/:releaseId',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['releases'],
        summary: 'One release: notes, channels serving it, schedules',
        params: releaseParams,
        querystring: noQuery,
      },
    },
    async (request) => ops.show(request.params.appId, request.params.releaseId),
  );

  app.patch<{ Params: Params; Body: { notes: string | null } }>(
    '/apps/:appId/releases/:releaseId',
    {
      config: { access: ACCESS.releaseOps },
      schema: {
        tags: ['releases'],
        summary: 'Set the release notes',
        params: releaseParams,
        body: {
          type: 'object',
          required: ['notes'],
          properties: { notes: { ...notes, type: ['string', 'null'] } },
          additionalProperties: false,
        },
      },
    },
    async (request) =>
      ops.setNotes(actorOf(request), request.params.appId, request.params.releaseId, request.body.notes),
  );

  app.post<{ Params: Params; Body: PromoteInput }>(
    '/apps/:appId/releases/:releaseId/promote',
    {
      config: { access: ACCESS.releaseOps },
      schema: {
        tags: ['releases'],
        summary: 'Serve an already signed release on another channel (no upload, no re-signing of code)',
        params: releaseParams,
        body: channelBody({ basisPoints, mandatory: { type: 'boolean' }, targeting, startAt: dateTime }),
      },
    },
    async (request, reply) => {
      const result = await ops.promote(actorOf(request), request.params.appId, request.params.releaseId, request.body);
      return reply.code(result.scheduled ? 202 : 200).send(result);
    },
  );

  app.post<{ Params: Params; Body: { channel: string; basisPoints: number } }>(
    '/apps/:appId/releases/:releaseId/rollout',
    {
      config: { access: ACCESS.releaseOps },
      schema: {
        tags: ['releases'],
        summary: 'Set the rollout percentage of the current release of a channel (resumes a halted rollout)',
        params: releaseParams,
        body: channelBody({ basisPoints }, ['basisPoints']),
      },
    },
    async (request) =>
      ops.rollout(
        actorOf(request),
        request.params.appId,
        request.params.releaseId,
        request.body.channel,
        request.body.basisPoints,
      ),
  );

  app.post<{ Params: Params; Body: { channel: string } }>(
    '/apps/:appId/releases/:releaseId/halt',
    {
      config: { access: ACCESS.releaseOps },
      schema: {
        tags: ['releases'],
        summary: 'Halt a rollout: devices not yet updated get the previous release',
        params: releaseParams,
        body: channelBody(),
      },
    },
    async (request) => ops.halt(actorOf(request), request.params.appId, request.params.releaseId, request.body.channel),
  );

  app.post<{ Params: Params; Body: { channel: string } }>(
    '/apps/:appId/releases/:releaseId/resume',
    {
      config: { access: ACCESS.releaseOps },
      schema: { tags: ['releases'], summary: 'Resume a halted rollout', params: releaseParams, body: channelBody() },
    },
    async (request) =>
      ops.resume(actorOf(request), request.params.appId, request.params.releaseId, request.body.channel),
  );

  app.post<{ Params: Params }>(
    '/apps/:appId/releases/:releaseId/disable',
    {
      config: { access: ACCESS.releaseOps },
      schema: {
        tags: ['releases'],
        summary: 'Never serve the release again; channels serving it go back to their previous release',
        params: releaseParams,
        body: { type: 'object', additionalProperties: false, properties: {} },
      },
    },
    async (request) => ops.disable(actorOf(request), request.params.appId, request.params.releaseId),
  );
};
