import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request, type TestServer } from './helpers.js';

/** One device event of release r1 on ios/production, as the SDK sends it. */
const event = (e: string) => ({
  id: randomBytes(16).toString('base64url'),
  event: e,
  releaseId: 'r1',
  channel: 'production',
  platform: 'ios',
  at: new Date().toISOString(),
});

/**
 * 20 launches and 10 crashes of r1 sent over the ingest route with a new ingest key of the app:
 * 50 % crashes, above any threshold the guardrail tests set, so the guardrail job trips.
 */
export async function sendCrashes(t: TestServer, appId: string): Promise<void> {
  const ingest = await t.api('POST', `/v1/apps/${appId}/ingest-keys`, { name: 'devices' });
  assert.equal(ingest.status, 201, JSON.stringify(ingest.json));
  const sent = await request(
    `${t.url}/v1/events`,
    'POST',
    {
      events: [
        ...Array.from({ length: 20 }, () => event('launched')),
        ...Array.from({ length: 10 }, () => event('crash')),
      ],
    },
    { authorization: `Bearer ${ingest.json.key}` },
  );
  assert.equal(sent.status, 200, JSON.stringify(sent.json));
}
