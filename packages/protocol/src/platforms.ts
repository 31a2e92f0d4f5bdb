/** The platforms a release is built for (a pointer's and a manifest's `platform`). */
export const PLATFORMS = ['ios', 'android', 'web', 'node', 'electron'] as const;
export type Platform = (typeof PLATFORMS)[number];

export function isPlatform(value: unknown): value is Platform {
  return typeof value === 'string' && (PLATFORMS as readonly string[]).includes(value);
}
