import { pushMetadata, writeRoots, type MetadataBundle, type PushedMetadata } from '@updraft/signing';
import { publisherServer } from '../publisher-server.js';
import type { AppContext } from './app-context.js';

export interface PushResult extends PushedMetadata {
  root?: string;
}

/** Uploads the bundle (refused short of signatures), then updates the anchor files of the key folder. */
export async function pushBundle(ctx: AppContext, bundle: MetadataBundle): Promise<PushResult> {
  const result: PushResult = await pushMetadata(publisherServer(ctx.api), ctx.appId, bundle, ctx.repo);
  if (bundle.root) result.root = await writeRoots(ctx.keysDir, bundle.root);
  return result;
}
