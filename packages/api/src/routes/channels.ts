import type { FromSchema } from 'json-schema-to-ts';
import { appParams, identifier, noQuery } from './common.js';

export const channelParams = {
  type: 'object',
  required: ['appId', 'channel'],
  properties: { appId: identifier, channel: identifier },
  additionalProperties: false,
} as const;
export type ChannelParams = FromSchema<typeof channelParams>;

/** GET /v1/apps/:appId/channels */
export const listChannels = { params: appParams, querystring: noQuery } as const;

/** POST /v1/apps/:appId/channels */
export const createChannel = {
  params: appParams,
  body: {
    type: 'object',
    required: ['name'],
    properties: { name: identifier, protected: { type: 'boolean' } },
    additionalProperties: false,
  },
} as const;
export type CreateChannelBody = FromSchema<typeof createChannel.body>;

/** PUT /v1/apps/:appId/channels/:channel/protection */
export const protectChannel = {
  params: channelParams,
  body: {
    type: 'object',
    required: ['protected'],
    properties: { protected: { type: 'boolean' } },
    additionalProperties: false,
  },
} as const;
export type ProtectChannelBody = FromSchema<typeof protectChannel.body>;
