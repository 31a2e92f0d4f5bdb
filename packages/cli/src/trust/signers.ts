// Moved to @updraft/signing (signers.ts); kept while other branches still import it from here.
export {
  commandSigner,
  dedupe,
  hasPrivateKey,
  readJsonFile,
  readPrivateKey,
  readPublicKey,
  signersFrom,
} from '@updraft/signing';
export type { SignerOptions } from '@updraft/signing';
export { collect } from '../log-pin.js';
