// `@updraft/cli/delta`: the bsdiff-brotli patch encoder (protocol.md §3.5) that `updraft publish`
// uses, for tools and tests that need real patches. Reading and applying a patch belong to
// @updraft/protocol/delta and the client.
export { createPatch } from './delta/encode.js';
