import { UpdraftError } from '../errors.js';

/** Every defect of a zstd patch is `malformed`: the device then downloads the full file. */
export function zstdCorrupt(message: string): UpdraftError {
  return new UpdraftError('malformed', `patch: zstd ${message}`);
}
