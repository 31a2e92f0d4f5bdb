import type { FromSchema } from 'json-schema-to-ts';
import { appParams, envelope, identifier, noQuery } from './common.js';

/** POST /v1/apps */
export const createApp = {
  body: { type: 'object', required: ['appId'], properties: { appId: identifier }, additionalProperties: false },
} as const;
export type CreateAppBody = FromSchema<typeof createApp.body>;

/** GET /v1/apps */
export const listApps = { querystring: noQuery } as const;

/** GET /v1/apps/:appId */
export const getApp = { params: appParams, querystring: noQuery } as const;
export type AppParams = FromSchema<typeof appParams>;

/** PUT /v1/apps/:appId/trust */
export const uploadTrust = {
  params: appParams,
  body: {
    type: 'object',
    required: ['root', 'targets', 'releases'],
    properties: { root: envelope, targets: envelope, releases: envelope },
    additionalProperties: false,
  },
} as const;
export type UploadTrustBody = FromSchema<typeof uploadTrust.body>;
