import type { KeyAlgorithm } from '@updraft/protocol';
import { CliError } from './output.js';

/** The `--key-type` flag's value, checked. */
export function keyAlgorithmOption(value: string): KeyAlgorithm {
  if (value !== 'ed25519' && value !== 'ecdsa-p256') {
    throw new CliError('usage', `--key-type must be ed25519 or ecdsa-p256, not "${value}"`, { exitCode: 2 });
  }
  return value;
}
