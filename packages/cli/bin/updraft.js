#!/usr/bin/env node
// The `updraft` command as npm links it. This small launcher is committed (not built) so
// the link exists even when `npm install` links bins before `prepare` has built dist/.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  console.error(
    'updraft: the CLI is not built yet (packages/cli/dist/bin.js is missing). Run `npm run build` in the repository root, then try again.',
  );
  process.exit(1);
}
await import(entry.href);
