import type { FromSchema } from 'json-schema-to-ts';
import { adminWrite, adminRead, adminWriteErrors, anyObject, appParams, identifier, listOf } from './common.js';

export const channelParams = {
  type: 'object',
  required: ['appId', 'channel'],
  properties: { appId: identifier, channel: identifier },
  additionalProperties: false,
} as const;
export type ChannelParams = FromSchema<typeof channelParams>;

/** What a channel serves on one (platform, runtimeVersion): its current release and rollout. */
export const pointer = {
  type: 'object',
  required: [
    'channel',
    'platform',
    'runtimeVersion',
    'releaseId',
    'previousReleaseId',
    'basisPoints',
    'effectiveBasisPoints',
    'halted',
    'mandatory',
    'targeting',
    'updatedAt',
  ],
  properties: {
    channel: { type: 'string' },
    platform: { type: 'string' },
    runtimeVersion: { type: 'string' },
    releaseId: { type: 'string' },
    previousReleaseId: { type: ['string', 'null'] },
    basisPoints: { type: 'integer' },
    effectiveBasisPoints: { type: 'integer', description: 'what devices see: 0 while halted' },
    halted: { type: 'boolean' },
    mandatory: { type: 'boolean' },
    targeting: { ...anyObject, type: ['object', 'null'] },
    updatedAt: { type: 'string' },
  },
  additionalProperties: false,
} as const;
export type Pointer = FromSchema<typeof pointer>;

/** A channel and its pointers, each with the fields `pointerSchema` gives (an answer may carry fewer). */
export function channelWith<const P extends object>(pointerSchema: P) {
  return {
    type: 'object',
    required: ['name', 'protected', 'createdAt', 'pointers'],
    properties: {
      name: { type: 'string' },
      protected: { type: 'boolean' },
      createdAt: { type: 'string' },
      pointers: { type: 'array', items: pointerSchema },
    },
    additionalProperties: false,
  } as const;
}

export const channel = channelWith(pointer);
export type Channel = FromSchema<typeof channel>;

const channelList = listOf('channels', channel);
export type ChannelList = FromSchema<typeof channelList>;

/** GET /v1/apps/:appId/channels */
export const listChannels = adminRead(appParams, channelList);

/** POST /v1/apps/:appId/channels */
export const createChannel = {
  params: appParams,
  body: {
    type: 'object',
    required: ['name'],
    properties: { name: identifier, protected: { type: 'boolean' } },
    additionalProperties: false,
  },
  response: { 201: channel, ...adminWriteErrors },
} as const;
export type CreateChannelBody = FromSchema<typeof createChannel.body>;

/** PUT /v1/apps/:appId/channels/:channel/protection */
export const protectChannel = adminWrite(
  channelParams,
  {
    type: 'object',
    required: ['protected'],
    properties: { protected: { type: 'boolean' } },
    additionalProperties: false,
  },
  channel,
);
export type ProtectChannelBody = FromSchema<typeof protectChannel.body>;
