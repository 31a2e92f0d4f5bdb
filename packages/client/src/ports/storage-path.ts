/**
 * The rule every Storage port applies to the paths the engine gives it: relative,
 * '/'-separated, no empty, '.' or '..' segment, no NUL. A path bug must never become a
 * read or write outside the port's root, on any platform. Answers the path's segments.
 */
export function storagePathSegments(path: string): string[] {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) {
    throw new Error(`storage path "${path}" must be relative and '/'-separated`);
  }
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`storage path "${path}" has an empty, '.' or '..' segment`);
  }
  return segments;
}
