import { SigningError } from '../errors.js';
import type { MetadataPush, PublisherServer, PushedMetadata } from './publisher-server.js';
import {
  BUNDLE_ROLES,
  describeNeeds,
  missingSignatures,
  type CurrentTrust,
  type MetadataBundle,
} from './metadata-bundle.js';

/**
 * Uploads new offline metadata (root, targets, releases together, so a key change never
 * passes through a state devices would reject), refusing a bundle short of signatures first:
 * the server would refuse it too, with less to say about whose signatures are missing.
 */
export async function pushMetadata(
  server: PublisherServer,
  appId: string,
  bundle: MetadataBundle,
  current: CurrentTrust,
): Promise<PushedMetadata> {
  const needs = missingSignatures(bundle, current);
  if (needs.length > 0) {
    throw new SigningError(
      'threshold',
      `not enough signatures yet: ${describeNeeds(needs)}; add them with updraft keys sign <file> --key <file>`,
      { details: { missing: needs } },
    );
  }
  const body: MetadataPush = {};
  for (const r of BUNDLE_ROLES) if (bundle[r]) body[r] = bundle[r];
  return server.pushMetadata(appId, body);
}
