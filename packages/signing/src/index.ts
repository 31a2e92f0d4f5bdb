export * from './keys.js';
export * from './sign.js';
export * from './time.js';
export * from './expiry.js';
export * from './errors.js';
export * from './signers.js';
export * from './key-folder.js';
export * from './rotation-files.js';
