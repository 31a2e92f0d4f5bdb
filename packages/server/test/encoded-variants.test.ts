import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { COMPRESS_MAX_BYTES, EncodedVariants } from '../src/http/encoded-variants.js';

// The bounds EncodedVariants promises to the anonymous repository routes.

const JS = Buffer.from('export const x = () => dispatch("an event", 42);\n'.repeat(4000));

describe('EncodedVariants', () => {
  it('makes each variant once; br and gzip are both kept (alternating cannot evict)', async () => {
    const v = new EncodedVariants();
    let loads = 0;
    const load = async () => (loads++, JS);
    for (let i = 0; i < 6; i++) {
      const enc = i % 2 ? 'gzip' : 'br';
      const body = await v.get('a', JS.length, enc, load);
      assert.ok(body);
      assert.deepEqual(enc === 'br' ? brotliDecompressSync(body) : gunzipSync(body), JS);
    }
    assert.equal(loads, 2);
  });

  it('a busy compressor answers "send it plain" at once instead of queueing', async () => {
    const v = new EncodedVariants();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = v.get('a', JS.length, 'br', async () => (await gate, JS));
    assert.equal(await v.get('b', JS.length, 'br', async () => JS), null);
    release();
    assert.ok(await first);
    assert.ok(await v.get('b', JS.length, 'br', async () => JS), 'free again afterwards');
  });

  it('what does not shrink, or is too large or too small, is never compressed (and not read twice)', async () => {
    const v = new EncodedVariants();
    let loads = 0;
    const noise = randomBytes(64 * 1024);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(8192)]);
    for (let i = 0; i < 3; i++) {
      assert.equal(await v.get('noise', noise.length, 'br', async () => (loads++, noise)), null);
      assert.equal(await v.get('png', png.length, 'gzip', async () => (loads++, png)), null);
      assert.equal(await v.get('png', png.length, 'br', async () => (loads++, png)), null, 'verdict holds for both');
    }
    assert.equal(loads, 2);
    const never = async () => assert.fail('must not be read');
    assert.equal(await v.get('big', COMPRESS_MAX_BYTES + 1, 'br', never), null);
    assert.equal(await v.get('tiny', 100, 'br', never), null);
  });
});
