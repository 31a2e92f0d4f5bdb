import type { FromSchema } from 'json-schema-to-ts';
import { appParams, errorResponses, identifier, sha256, targeting } from './common.js';

const attributeString = { type: 'string', minLength: 1, maxLength: 128 } as const;

/** POST /device/v1/apps/:appId/resolve (no credential: the answer is advice, the device verifies it) */
export const resolve = {
  params: appParams,
  body: {
    type: 'object',
    required: ['channel', 'platform', 'runtimeVersion', 'deviceId'],
    properties: {
      channel: identifier,
      platform: identifier,
      runtimeVersion: identifier,
      deviceId: { type: 'string', minLength: 1, maxLength: 256 },
      attributes: {
        type: 'object',
        additionalProperties: false,
        properties: {
          appVersion: attributeString,
          osVersion: attributeString,
          reactNativeVersion: attributeString,
          arch: attributeString,
          custom: targeting.properties.custom,
        },
      },
    },
    additionalProperties: false,
  },
  response: {
    200: {
      description: 'the release for this device (null: none), and why the current one is not, when it is not',
      type: 'object',
      required: ['release', 'reason'],
      properties: {
        release: {
          anyOf: [
            {
              type: 'object',
              required: ['releaseId', 'versionCode', 'manifestSha256', 'manifestLength', 'mandatory', 'servedFrom'],
              properties: {
                releaseId: identifier,
                versionCode: { type: 'integer' },
                manifestSha256: sha256,
                manifestLength: { type: 'integer' },
                mandatory: { type: 'boolean' },
                servedFrom: { type: 'string', enum: ['current', 'previous'] },
              },
              additionalProperties: false,
            },
            { type: 'null' },
          ],
        },
        reason: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      },
      additionalProperties: false,
    },
    ...errorResponses(400, 404, 413, 503),
  },
} as const;
export type ResolveBody = FromSchema<typeof resolve.body>;
export type ResolveResult = FromSchema<(typeof resolve.response)[200]>;
