import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CliError } from './output.js';

/**
 * An RSA private key (PEM) that a compatibility front door's devices check signatures with
 * (CodePush, Expo). `flag` and `hint` make the error say which option and which key is meant.
 */
export async function readRsaPrivateKey(path: string, flag: string, hint: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(path, 'utf8'));
  } catch (err) {
    throw new CliError(
      'bad-input',
      `${flag} ${path}: not a readable PEM private key (${(err as Error).message}); pass ${hint}`,
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new CliError('bad-input', `${flag} ${path} is a ${key.asymmetricKeyType} key; these signatures are RSA`);
  }
  return key;
}
