import { checkUrlAllowed, repositoryBaseUrl, type DeviceTarget, type UpdraftError } from '@updraft/protocol';
import type { ResolvedConfig } from '../config.js';
import type { Clock, Storage, Timers, Transport } from '../ports/ports.js';
import { refreshMetadata, type TrustedSet } from './refresh.js';
import { Repository } from './repository.js';
import { decide, selectRelease, type Decision } from './select.js';
import type { DeviceState } from '../state/state.js';
import { checkReleasesLogged } from './transparency.js';
import type { TrustedMetadata } from './trusted-metadata.js';

export interface CheckContext {
  config: ResolvedConfig;
  transport: Transport;
  trusted: TrustedMetadata;
  clock: Clock;
  storage: Storage;
  /** For waiting out a busy server's Retry-After on a file download; none: no wait, the cycle fails. */
  timers?: Timers | null;
  /** Problems that do not stop the check (transparency in `warn` mode). */
  report: (error: UpdraftError) => void;
  /** The metadata this process verified last (RefreshContext.memo). */
  verified?: { set: TrustedSet | null };
}

export interface Checked {
  repo: Repository;
  decision: Decision;
}

/**
 * protocol.md §4 steps 1-8 (and the transparency check of §9.4 for a release to install):
 * verify the repository and decide what this device should do. Shared by sync() and
 * checkForUpdate(); downloads no release file.
 */
export async function checkRepository(ctx: CheckContext, state: DeviceState, device: DeviceTarget): Promise<Checked> {
  const { config } = ctx;
  checkUrlAllowed(config.server, config.allowInsecureLocalhost);
  const repo = new Repository(
    ctx.transport,
    repositoryBaseUrl(config.server, config.appId),
    config.timeoutMs,
    ctx.timers ?? null,
  );
  const set = await refreshMetadata({
    repo,
    trusted: ctx.trusted,
    shippedRoot: config.trustedRoot,
    now: () => ctx.clock.now(),
    ...(ctx.verified ? { memo: ctx.verified } : {}),
  });
  const decision = decide(selectRelease(set, device), state);
  if (decision.kind === 'install') {
    await checkReleasesLogged({
      repo,
      storage: ctx.storage,
      appId: config.appId,
      set,
      policy: config.transparency,
      report: ctx.report,
    });
  }
  return { repo, decision };
}
