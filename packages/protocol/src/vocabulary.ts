/**
 * The names of the protocol without its code (the roles, the platforms, the default Expo key
 * id): an entry point that imports nothing, for a program that only lists them, e.g. the CLI's
 * help. Each is defined where it belongs (roles.ts, platforms.ts) or, when its module does I/O
 * or imports much, here.
 */
export { METADATA_ROLES, type MetadataRole } from './roles.js';
export { PLATFORMS, isPlatform, type Platform } from './platforms.js';

/** The key id `updraft publish --expo` signs under unless told otherwise. */
export const EXPO_DEFAULT_KEY_ID = 'main';
