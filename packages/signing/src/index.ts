export * from './keys.js';
export * from './sign.js';
export * from './time.js';
export * from './expiry.js';
