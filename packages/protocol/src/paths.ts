import { UpdraftError } from './errors.js';

/** appId, channel, platform, runtimeVersion and releaseId all appear in URLs and paths. */
export const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER.test(value) && value !== '.' && value !== '..';
}

export function assertIdentifier(value: unknown, what: string): string {
  if (!isIdentifier(value)) {
    throw new UpdraftError(
      'malformed',
      `${what} must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return value;
}

/**
 * A file path inside a release: relative, '/'-separated, no empty/'.'/'..' segment, no
 * backslash or control characters. Returns a reason string, or null when the path is safe.
 */
export function relativePathProblem(path: string): string | null {
  if (path.length === 0) return 'is empty';
  if (path.length > 1024) return 'is longer than 1024 characters';
  if (path.startsWith('/')) return 'is absolute';
  if (path.includes('\\')) return 'contains a backslash';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'contains a control character';
  for (const segment of path.split('/')) {
    if (segment === '') return 'has an empty segment';
    if (segment === '.' || segment === '..') return `contains a '${segment}' segment`;
  }
  return null;
}

export function manifestTargetPath(releaseId: string): string {
  return `manifests/${releaseId}.json`;
}

export function pointerTargetPath(channel: string, platform: string, runtimeVersion: string): string {
  return `channels/${channel}/${platform}/${runtimeVersion}`;
}

export const RELEASES_PATHS = ['manifests/*'];
export const DIRECTOR_PATHS = ['channels/*/*/*'];

/** TUF path pattern matching: '*' matches within one path segment (as python-tuf does). */
export function matchesPathPattern(targetPath: string, pattern: string): boolean {
  const targetParts = targetPath.split('/');
  const patternParts = pattern.split('/');
  if (targetParts.length !== patternParts.length) return false;
  return patternParts.every((p, i) => globSegment(targetParts[i]!, p));
}

function globSegment(text: string, pattern: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*') +
      '$',
  );
  return re.test(text);
}
