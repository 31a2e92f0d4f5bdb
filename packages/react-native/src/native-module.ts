/**
 * The small native module this package ships, as the engine sees it. Its spec (what React
 * Native's codegen reads) is ./NativeUpdraft.ts; this alias keeps the public type's name.
 */
export type { Spec as UpdraftNativeModule } from './NativeUpdraft.js';
