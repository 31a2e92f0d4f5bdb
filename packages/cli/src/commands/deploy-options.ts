import type { Command } from 'commander';
import type { TargetingRules } from '@updraft/protocol';
import type { PublishDeploy } from '@updraft/signing';
import { CliError } from '../output.js';

/**
 * Options shared by `publish` and `release promote`: rollout percentage, mandatory flag,
 * scheduled start and targeting rules, turned into the API body fields.
 */

export interface DeployFlags {
  rollout?: string;
  mandatory?: boolean;
  startAt?: string;
  targetAppVersion?: string;
  targetOsVersion?: string;
  targetRnVersion?: string;
  targetArch?: string;
  targetCustom?: string[];
}

/** The body fields the deploy flags set, as publish and promote both take them. */
export type DeployBody = Pick<PublishDeploy, 'basisPoints' | 'mandatory' | 'startAt' | 'targeting'>;

const usage = (message: string) => new CliError('usage', message, { exitCode: 2 });

/** "25" → 2500, "0.5" → 50, "12.34" → 1234 basis points. */
export function percentToBasisPoints(value: string, flag: string): number {
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(value.trim())) {
    throw usage(
      `${flag} must be a percentage from 0 to 100 with at most two decimals (e.g. 25 or 0.5), not "${value}"`,
    );
  }
  const [whole, frac = ''] = value.trim().split('.');
  const bp = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  if (bp > 10000) throw usage(`${flag} must be at most 100, not "${value}"`);
  return bp;
}

export function addDeployOptions(cmd: Command): Command {
  return cmd
    .option('--rollout <percent>', 'serve it to this percentage of devices (0.01 steps; default 100)')
    .option('--mandatory', 'mark the update as mandatory for the app to enforce')
    .option('--start-at <time>', 'apply at this ISO 8601 time instead of now (e.g. 2027-01-31T09:00:00Z)')
    .option(
      '--target-app-version <range>',
      'only devices whose app binary version is in this semver range (e.g. ">=2.1 <3")',
    )
    .option('--target-os-version <range>', 'only devices whose OS version is in this semver range')
    .option('--target-rn-version <range>', 'only devices whose React Native version is in this semver range')
    .option('--target-arch <list>', 'only devices with one of these architectures (comma-separated)')
    .option(
      '--target-custom <key=value>',
      'only devices reporting this custom attribute (repeatable)',
      (v: string, all: string[] = []) => [...all, v],
    );
}

export async function deployBody(flags: DeployFlags): Promise<DeployBody> {
  const body: DeployBody = {};
  if (flags.rollout !== undefined) body.basisPoints = percentToBasisPoints(flags.rollout, '--rollout');
  if (flags.mandatory) body.mandatory = true;
  if (flags.startAt !== undefined) {
    if (!Number.isFinite(Date.parse(flags.startAt)))
      throw usage(`--start-at must be an ISO 8601 time, not "${flags.startAt}"`);
    body.startAt = new Date(Date.parse(flags.startAt)).toISOString();
  }
  const rules: Record<string, unknown> = {};
  if (flags.targetAppVersion !== undefined) rules['appVersion'] = flags.targetAppVersion;
  if (flags.targetOsVersion !== undefined) rules['osVersion'] = flags.targetOsVersion;
  if (flags.targetRnVersion !== undefined) rules['reactNativeVersion'] = flags.targetRnVersion;
  if (flags.targetArch !== undefined)
    rules['arch'] = flags.targetArch
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
  if (flags.targetCustom?.length) {
    const custom: Record<string, string> = {};
    for (const pair of flags.targetCustom) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw usage(`--target-custom must be key=value, not "${pair}"`);
      custom[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    rules['custom'] = custom;
  }
  if (Object.keys(rules).length > 0) {
    const { parseTargeting } = await import('@updraft/protocol');
    let targeting: TargetingRules;
    try {
      targeting = parseTargeting(rules, 'targeting');
    } catch (err) {
      throw usage((err as Error).message.replace(/^targeting\./, '--target '));
    }
    body.targeting = targeting;
  }
  return body;
}
