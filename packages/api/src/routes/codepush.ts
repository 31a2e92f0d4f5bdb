import type { FromSchema } from 'json-schema-to-ts';
import { appParams, errorResponses, identifier, listOf, noQuery, releaseParams, sha256 } from './common.js';

// Admin side of the CodePush compatibility layer (docs/guides/migrate-from-codepush.md), under /v1.

const deployment = {
  type: 'object',
  required: ['name', 'deploymentKey', 'channel', 'platform', 'createdAt', 'currentLabel', 'signed'],
  properties: {
    name: { type: 'string' },
    deploymentKey: { type: 'string' },
    channel: { type: 'string' },
    platform: { type: 'string' },
    createdAt: { type: 'string' },
    currentLabel: {
      type: ['string', 'null'],
      description: 'the newest label (v1, v2…); null before the first package',
    },
    signed: { type: 'boolean', description: 'the newest package is signed (then unsigned ones are refused)' },
  },
  additionalProperties: false,
} as const;
export type Deployment = FromSchema<typeof deployment>;

const codePushPackage = {
  type: 'object',
  required: ['releaseId', 'packageHash', 'signed', 'targetAppVersion', 'signature', 'labels'],
  properties: {
    releaseId: { type: 'string' },
    packageHash: { type: 'string' },
    signed: { type: 'boolean' },
    targetAppVersion: { type: ['string', 'null'] },
    signature: { type: ['string', 'null'] },
    labels: {
      type: 'array',
      items: {
        type: 'object',
        required: ['channel', 'platform', 'label'],
        properties: { channel: { type: 'string' }, platform: { type: 'string' }, label: { type: 'string' } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;
export type CodePushPackage = FromSchema<typeof codePushPackage>;

const adminErrors = errorResponses(400, 401, 403, 404, 409, 503);

/** POST /v1/apps/:appId/codepush/deployments */
export const addDeployment = {
  params: appParams,
  body: {
    type: 'object',
    required: ['name', 'channel', 'platform'],
    properties: {
      name: identifier,
      channel: identifier,
      platform: identifier,
      key: { type: 'string', minLength: 1, maxLength: 128 },
    },
    additionalProperties: false,
  },
  response: { 201: { ...deployment, description: 'the deployment and its key' }, ...adminErrors },
} as const;
export type AddDeploymentBody = FromSchema<typeof addDeployment.body>;

/** GET /v1/apps/:appId/codepush/deployments */
export const listDeployments = {
  params: appParams,
  querystring: noQuery,
  response: {
    200: { description: "the app's deployments", ...listOf('deployments', deployment) },
    ...adminErrors,
  },
} as const;
export type DeploymentList = FromSchema<(typeof listDeployments.response)[200]>;

/** DELETE /v1/apps/:appId/codepush/deployments/:name */
export const removeDeployment = {
  params: {
    type: 'object',
    required: ['appId', 'name'],
    properties: { appId: identifier, name: identifier },
    additionalProperties: false,
  },
  response: {
    200: {
      description: 'removed',
      type: 'object',
      required: ['name', 'removed'],
      properties: { name: { type: 'string' }, removed: { type: 'boolean', enum: [true] } },
      additionalProperties: false,
    },
    ...adminErrors,
  },
} as const;
export type DeploymentRemoved = FromSchema<(typeof removeDeployment.response)[200]>;

/** PUT /v1/apps/:appId/codepush/packages/:releaseId */
export const registerPackage = {
  params: releaseParams,
  body: {
    type: 'object',
    required: ['packageHash', 'signature', 'targetAppVersion'],
    properties: {
      packageHash: sha256,
      signature: { type: ['string', 'null'], minLength: 1, maxLength: 16384 },
      targetAppVersion: { type: ['string', 'null'], minLength: 1, maxLength: 256 },
    },
    additionalProperties: false,
  },
  response: { 200: { ...codePushPackage, description: 'the package and its labels' }, ...adminErrors },
} as const;
export type RegisterPackageBody = FromSchema<typeof registerPackage.body>;

/** GET /v1/apps/:appId/codepush/packages/:releaseId */
export const getPackage = {
  params: releaseParams,
  querystring: noQuery,
  response: { 200: { ...codePushPackage, description: 'the package and its labels' }, ...adminErrors },
} as const;
