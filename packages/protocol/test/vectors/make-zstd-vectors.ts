// Regenerates zstd-patch-from.json: patches written by the real `zstd` tool for the
// deterministic inputs of packages/test-kit/src/bundles.ts, so the decoder tests run offline and
// without zstd installed. Run: node --import tsx packages/protocol/test/vectors/make-zstd-vectors.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdVectorInputs } from './zstd-vector-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'zstd-vectors-'));
const vectors = zstdVectorInputs().map(({ name, old, next, args }) => {
  if (old) writeFileSync(join(dir, 'old'), old);
  writeFileSync(join(dir, 'new'), next);
  const prefix = old ? [`--patch-from=${join(dir, 'old')}`] : [];
  execFileSync('zstd', ['-q', '-f', ...args, ...prefix, join(dir, 'new'), '-o', join(dir, 'out')], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  return { name, args: args.join(' '), patch: readFileSync(join(dir, 'out')).toString('base64') };
});
rmSync(dir, { recursive: true });
const version = execFileSync('zstd', ['--version']).toString().trim();
writeFileSync(
  new URL('zstd-patch-from.json', import.meta.url),
  JSON.stringify({ generatedBy: version, vectors }, null, 1) + '\n',
);
