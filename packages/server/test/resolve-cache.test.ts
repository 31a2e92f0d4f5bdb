import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResolveService } from '../src/domain/resolve-service.js';
import { openDatabase } from '../src/persistence/open-database.js';
import type { Database, Ports } from '../src/persistence/persistence.js';
import { createTrustedApp, prepareRelease, startTestServer, type PublisherKeys, type TestServer } from './helpers.js';

// `POST /device/v1/apps/:appId/resolve` is unauthenticated and the releases role lists every
// release ever published: reading and parsing it per request made a device check cost
// O(history). The parse is kept per metadata version and read again only when one changes.

describe('device resolve: the signed targets are read and parsed once per version', () => {
  let t: TestServer;
  let keys: PublisherKeys;
  let real: Database;
  let store: Ports<'trust'>;
  const appId = 'resolve.cache';
  const reads: string[] = [];
  const device = { channel: 'production', platform: 'ios', runtimeVersion: '1.0.0', deviceId: 'd-1' };

  const publish = async (releaseId: string, versionCode: number) => {
    const rel = await prepareRelease(t, appId, keys, { releaseId, versionCode });
    assert.equal((await t.api('POST', `/v1/apps/${appId}/releases`, rel.body)).status, 201);
  };

  before(async () => {
    t = await startTestServer();
    ({ keys } = await createTrustedApp(t, appId));
    await publish('r1', 1);
    // A second handle on the same database, counting every read of whole metadata documents.
    real = await openDatabase({ dataDir: t.dataDir });
    const trust = new Proxy(real.trust, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (prop === 'getMetadata' || prop === 'getLatestMetadata') reads.push(`${String(args[1])}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    store = { trust };
  });
  after(async () => {
    await real?.close();
    await t?.stop();
  });

  it('100 checks read each document once; a publish is seen at the next check', async () => {
    const service = new ResolveService({ store });
    for (let i = 0; i < 100; i++) {
      const answer = await service.resolve(appId, { ...device, deviceId: `d-${i}` });
      assert.equal(answer?.release?.releaseId, 'r1');
    }
    assert.deepEqual(reads.sort(), ['director', 'releases']);

    await publish('r2', 2);
    const answers = await Promise.all(Array.from({ length: 20 }, () => service.resolve(appId, device)));
    for (const a of answers) assert.equal(a?.release?.releaseId, 'r2');
    assert.deepEqual(
      reads.sort(),
      ['director', 'director', 'releases', 'releases'],
      '20 checks at once share one read',
    );
  });
});
