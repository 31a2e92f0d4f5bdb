import { CliError } from '../output.js';
import type { openApp } from './app-context.js';
import { describeNeeds, missingSignatures, BUNDLE_ROLES } from './bundle.js';
import { writeRoots } from '@updraft/signing';

export interface PushResult {
  rootVersion: number;
  targetsVersion: number;
  releasesVersion: number;
  activated: { role: string; keyid: string }[];
  root?: string;
}

/** Refuses to upload a bundle short of signatures (the server would too), then updates the anchor files. */
export async function pushBundle(
  ctx: Awaited<ReturnType<typeof openApp>>,
  bundle: Parameters<typeof missingSignatures>[0],
): Promise<PushResult> {
  const needs = missingSignatures(bundle, ctx.repo);
  if (needs.length > 0) {
    throw new CliError(
      'threshold',
      `not enough signatures yet: ${describeNeeds(needs)}; add them with updraft keys sign <file> --key <file>`,
      {
        details: { missing: needs },
      },
    );
  }
  const body: Record<string, unknown> = {};
  for (const r of BUNDLE_ROLES) if (bundle[r]) body[r] = bundle[r];
  const result = await ctx.api.request<PushResult>('POST', `/v1/apps/${encodeURIComponent(ctx.appId)}/metadata`, body);
  if (bundle.root) result.root = await writeRoots(ctx.keysDir, bundle.root);
  return result;
}
