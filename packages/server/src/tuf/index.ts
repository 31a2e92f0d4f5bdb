export * from './keys.js';
export * from './metadata.js';
export * from './time.js';
export * from './expiry.js';
