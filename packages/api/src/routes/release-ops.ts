import type { FromSchema } from 'json-schema-to-ts';
import { pointer } from './channels.js';
import {
  adminWrite,
  adminWriteErrors,
  adminRead,
  anyObject,
  basisPoints,
  dateTime,
  identifier,
  notes,
  releaseParams,
  targeting,
} from './common.js';
import { listedProperty, publishedRelease } from './releases.js';

export type ReleaseParams = FromSchema<typeof releaseParams>;

/** A scheduled start of a release on a channel (`startAt`). */
export const scheduledDeployment = {
  type: 'object',
  required: [
    'id',
    'appId',
    'channel',
    'releaseId',
    'basisPoints',
    'mandatory',
    'targeting',
    'startAt',
    'status',
    'detail',
    'createdAt',
    'createdBy',
    'updatedAt',
  ],
  properties: {
    id: { type: 'string' },
    appId: { type: 'string' },
    channel: { type: 'string' },
    releaseId: { type: 'string' },
    basisPoints: { type: 'integer' },
    mandatory: { type: 'boolean' },
    targeting: { ...anyObject, type: ['object', 'null'] },
    startAt: { type: 'string' },
    status: { type: 'string', enum: ['scheduled', 'applied', 'cancelled', 'failed'] },
    detail: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    createdBy: { type: 'string', description: 'the principal that scheduled it' },
    updatedAt: { type: 'string' },
  },
  additionalProperties: false,
} as const;
export type ScheduledDeployment = FromSchema<typeof scheduledDeployment>;

const releaseDetails = {
  type: 'object',
  required: [
    ...publishedRelease.required,
    'epoch',
    'manifestSha256',
    'manifestLength',
    'releasesVersion',
    'listed',
    'notes',
    'disabledAt',
    'allowedChannels',
    'current',
    'previousOf',
    'schedules',
  ],
  properties: {
    ...publishedRelease.properties,
    epoch: { type: 'integer' },
    manifestSha256: { type: 'string' },
    manifestLength: { type: 'integer' },
    releasesVersion: {
      type: 'integer',
      description:
        'the releases metadata version that added it: <releasesVersion>.releases.json lists it even after later versions dropped it',
    },
    listed: listedProperty,
    notes: { type: ['string', 'null'] },
    disabledAt: { type: ['string', 'null'] },
    allowedChannels: { type: 'array', items: { type: 'string' }, description: 'channels the publisher signed it for' },
    current: { type: 'array', items: pointer, description: 'pointers serving it as their current release' },
    previousOf: {
      type: 'array',
      items: pointer,
      description: 'pointers serving it as `previous`, to devices outside their rollout',
    },
    schedules: { type: 'array', items: scheduledDeployment },
  },
  additionalProperties: false,
} as const;
export type ReleaseDetails = FromSchema<typeof releaseDetails>;

/** GET /v1/apps/:appId/releases/:releaseId */
export const showRelease = adminRead(releaseParams, releaseDetails);

/** PATCH /v1/apps/:appId/releases/:releaseId */
export const setNotes = adminWrite(
  releaseParams,
  {
    type: 'object',
    required: ['notes'],
    properties: { notes: { ...notes, type: ['string', 'null'] } },
    additionalProperties: false,
  },
  releaseDetails,
);
export type SetNotesBody = FromSchema<typeof setNotes.body>;

const promoted = {
  type: 'object',
  required: ['scheduled', 'pointer'],
  properties: {
    scheduled: { ...scheduledDeployment, type: ['object', 'null'] },
    pointer: { ...pointer, type: ['object', 'null'] },
  },
  additionalProperties: false,
} as const;
export type Promoted = FromSchema<typeof promoted>;

/** POST /v1/apps/:appId/releases/:releaseId/promote (200 served now; 202 scheduled for `startAt`) */
export const promote = {
  params: releaseParams,
  body: {
    type: 'object',
    required: ['channel'],
    properties: { channel: identifier, basisPoints, mandatory: { type: 'boolean' }, targeting, startAt: dateTime },
    additionalProperties: false,
  },
  // 202: scheduled for later (startAt) rather than done.
  response: { 200: promoted, 202: promoted, ...adminWriteErrors },
} as const;
export type PromoteBody = FromSchema<typeof promote.body>;

/** POST /v1/apps/:appId/releases/:releaseId/rollout */
export const rollout = adminWrite(
  releaseParams,
  {
    type: 'object',
    required: ['channel', 'basisPoints'],
    properties: { channel: identifier, basisPoints },
    additionalProperties: false,
  },
  pointer,
);
export type RolloutBody = FromSchema<typeof rollout.body>;

const channelOnly = {
  type: 'object',
  required: ['channel'],
  properties: { channel: identifier },
  additionalProperties: false,
} as const;
export type ChannelOnlyBody = FromSchema<typeof channelOnly>;

/** POST /v1/apps/:appId/releases/:releaseId/halt */
export const halt = adminWrite(releaseParams, channelOnly, pointer);

/** POST /v1/apps/:appId/releases/:releaseId/resume */
export const resume = adminWrite(releaseParams, channelOnly, pointer);

/** POST /v1/apps/:appId/releases/:releaseId/disable */
export const disable = adminWrite(
  releaseParams,
  { type: 'object', additionalProperties: false, properties: {} },
  releaseDetails,
);
