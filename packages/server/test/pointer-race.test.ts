import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { pointerTargetPath } from '@updraft/protocol';
import { resignExpiring, type Database } from '../src/index.js';
import { applyDueSchedules } from '../src/domain/schedules.js';
import {
  createTrustedApp,
  prepareRelease,
  refresh,
  type ApiResponse,
  type PublisherKeys,
  type ReleaseSpec,
  type TestServer,
} from './helpers.js';
import { onBackend, serverBackends, type ServerBackend } from './server-backends.js';

// Pointer changes that land at the same moment (promotes, rollout changes, halts, a disable,
// a publish, a lifetime change, a scheduled start and the re-signing job on a second
// connection, as another server instance would) each re-sign director, snapshot and timestamp
// from the next version. On PostgreSQL (READ COMMITTED) they truly overlap: the loser of a
// version must be re-run on the new state, never answered 500, and every change that was
// answered 2xx must be in the director devices verify afterwards. On SQLite, whose
// transactions take the write lock at BEGIN, the same batch must give the same result.

const APP = 'race.app';
const N = 8;
const DAY_MS = 86_400_000;

for (const backend of serverBackends) suite(backend);

/** A 5xx is never right; a 409 only with a code the API documents for a lost race. */
function assertAnswered(what: string, res: ApiResponse, raceCodes: string[]): boolean {
  assert.ok(res.status < 500, `${what}: ${res.status} ${JSON.stringify(res.json)}`);
  if (res.status < 300) return true;
  assert.equal(res.status, 409, `${what}: ${res.status} ${JSON.stringify(res.json)}`);
  assert.ok(raceCodes.includes(res.json?.error?.code), `${what}: ${JSON.stringify(res.json)}`);
  return false;
}

function suite(backend: ServerBackend): void {
  describe(`pointer changes at the same moment (${backend.name})`, () => {
    let t: TestServer;
    let store: Database;
    let keys: PublisherKeys;
    let rootBytes: Uint8Array;

    const publish = async (spec: ReleaseSpec, extra: Record<string, unknown> = {}) => {
      const { body } = await prepareRelease(t, APP, keys, spec);
      const res = await t.api('POST', `/v1/apps/${APP}/releases`, { ...body, ...extra });
      assert.equal(res.status, 201, `publish ${spec.releaseId}: ${JSON.stringify(res.json)}`);
    };
    const ops = (releaseId: string, op: string, body: unknown) =>
      t.api('POST', `/v1/apps/${APP}/releases/${releaseId}/${op}`, body);

    const it = onBackend(backend, async (started) => {
      ({ t, store } = started);
      ({ keys, rootBytes } = await createTrustedApp(t, APP));
      const channels = ['pub-d', 'pub-p', 'sched', 'pub-q1', 'pub-q2'];
      for (let k = 1; k <= N; k++) channels.push(`pub-${k}`, `beta-${k}`);
      for (const name of channels) {
        const res = await t.api('POST', `/v1/apps/${APP}/channels`, { name });
        assert.equal(res.status, 201, `channel ${name}: ${JSON.stringify(res.json)}`);
      }
      // r1…r8 each half rolled out on pub-1…pub-8; d1 on pub-d (to be disabled).
      for (let k = 1; k <= N; k++) {
        await publish({ releaseId: `r${k}`, versionCode: k, channel: `pub-${k}` }, { basisPoints: 5000 });
      }
      await publish({ releaseId: 'd1', versionCode: 20, channel: 'pub-d' });
    });

    it('answers every one 2xx or a documented 409, never 5xx, and the signed director has every 2xx change', async () => {
      // A start due by the time the batch runs, and a publish signed ahead of it.
      const startAt = new Date(Date.now() + 1500).toISOString();
      await publish({ releaseId: 's1', versionCode: 30, channel: 'sched' }, { startAt });
      const { body: published } = await prepareRelease(t, APP, keys, {
        releaseId: 'p1',
        versionCode: 40,
        channel: 'pub-p',
      });
      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(startAt) - Date.now() + 100)));

      const changed = 'metadata-changed';
      const batch = await Promise.all([
        ...Array.from({ length: N }, (_, i) =>
          ops(`r${i + 1}`, 'promote', { channel: `beta-${i + 1}`, basisPoints: 2500 + i + 1 }),
        ),
        ...Array.from({ length: N / 2 }, (_, i) =>
          ops(`r${i + 1}`, 'rollout', { channel: `pub-${i + 1}`, basisPoints: 1000 + i + 1 }),
        ),
        ...Array.from({ length: N / 2 }, (_, i) =>
          ops(`r${N / 2 + i + 1}`, 'halt', { channel: `pub-${N / 2 + i + 1}` }),
        ),
        ops('d1', 'disable', {}),
        t.api('POST', `/v1/apps/${APP}/releases`, published),
        t.api('PUT', `/v1/apps/${APP}/expiry`, { timestamp: (2 * DAY_MS) / 1000 }),
        // Another instance's jobs, on a connection of their own.
        applyDueSchedules(store, Date.now()),
        resignExpiring(store, APP, Date.now() + 8 * DAY_MS).catch((err: unknown) => String(err)),
      ]);
      const answers = batch.slice(0, 2 * N + 3) as ApiResponse[];
      const [scheduled, resigned] = batch.slice(2 * N + 3) as [
        Awaited<ReturnType<typeof applyDueSchedules>>,
        Awaited<ReturnType<typeof resignExpiring>> | string,
      ];
      const names = [
        ...Array.from({ length: N }, (_, i) => `promote r${i + 1}`),
        ...Array.from({ length: N / 2 }, (_, i) => `rollout r${i + 1}`),
        ...Array.from({ length: N / 2 }, (_, i) => `halt r${N / 2 + i + 1}`),
        'disable d1',
        'publish p1',
        'PUT expiry',
      ];
      const summary = JSON.stringify({
        answers: answers.map(
          (res, i) => `${names[i]}: ${res.status}${res.status >= 300 ? ` ${res.json?.error?.code}` : ''}`,
        ),
        scheduled,
        resigned,
      });
      assert.equal(answers.filter((res) => res.status >= 500).length, 0, summary);
      // Changes of one app take turns (the app is locked first): none of them has to give up.
      assert.equal(answers.filter((res) => res.status >= 300).length, 0, summary);
      assert.equal(scheduled.applied.length, 1, summary);

      const promoted = answers.slice(0, N).map((res, i) => assertAnswered(`promote r${i + 1}`, res, [changed]));
      const rolled = answers.slice(N, N + N / 2).map((res, i) => assertAnswered(`rollout r${i + 1}`, res, [changed]));
      const halted = answers
        .slice(N + N / 2, 2 * N)
        .map((res, i) => assertAnswered(`halt r${N / 2 + i + 1}`, res, [changed]));
      const disabled = assertAnswered('disable d1', answers[2 * N]!, [changed]);
      // A publish carries the publisher's signed releases version: losing it is releases-changed.
      const publishedOk = assertAnswered('publish p1', answers[2 * N + 1]!, ['releases-changed']);
      assertAnswered('PUT expiry', answers[2 * N + 2]!, [changed]);
      assert.equal(scheduled.failed.length, 0, `a due start failed: ${JSON.stringify(scheduled)}`);
      assert.deepEqual(resigned, ['director', 'snapshot', 'timestamp'], 'the re-signing job signed all three');

      // What a device verifies from its root: timestamp → snapshot → director.
      const { director } = await refresh(t.url, APP, rootBytes);
      const pointer = (channel: string) => {
        const target = director.targets[pointerTargetPath(channel, 'ios', '1.0.0')];
        return target?.custom?.['updraft'] as { releaseId: string; rollout: { basisPoints: number } } | undefined;
      };
      for (let k = 1; k <= N; k++) {
        if (promoted[k - 1]) {
          assert.equal(pointer(`beta-${k}`)?.releaseId, `r${k}`, `beta-${k}`);
          assert.equal(pointer(`beta-${k}`)?.rollout.basisPoints, 2500 + k, `beta-${k}`);
        }
      }
      for (let k = 1; k <= N / 2; k++) {
        if (rolled[k - 1]) assert.equal(pointer(`pub-${k}`)?.rollout.basisPoints, 1000 + k, `pub-${k}`);
      }
      for (let k = N / 2 + 1; k <= N; k++) {
        if (halted[k - N / 2 - 1]) assert.equal(pointer(`pub-${k}`)?.rollout.basisPoints, 0, `pub-${k} halted`);
      }
      if (disabled) assert.equal(pointer('pub-d'), undefined, 'the disabled release is served nowhere');
      if (publishedOk) assert.equal(pointer('pub-p')?.releaseId, 'p1');
      if (scheduled.applied.length > 0) assert.equal(pointer('sched')?.releaseId, 's1');
      assert.deepEqual(
        (await t.api('GET', `/v1/apps/${APP}/releases/s1`)).json.schedules.map((s: { status: string }) => s.status),
        scheduled.applied.length > 0 ? ['applied'] : ['scheduled'],
        'a start that lost every race stays scheduled for the next pass',
      );

      const audit = (await t.api('GET', '/v1/audit/verify')).json;
      assert.deepEqual(audit.problems, []);
    });

    it('changes to two apps of one organization at the same moment: both audited, none 5xx', async () => {
      const OTHER = 'race.other';
      const other = await createTrustedApp(t, OTHER);
      for (let k = 0; k <= N / 2; k++) {
        assert.equal((await t.api('POST', `/v1/apps/${OTHER}/channels`, { name: `o-${k}` })).status, 201);
      }
      const { body } = await prepareRelease(t, OTHER, other.keys, { releaseId: 'o1', versionCode: 1, channel: 'o-0' });
      assert.equal((await t.api('POST', `/v1/apps/${OTHER}/releases`, body)).status, 201);
      const answers = await Promise.all(
        Array.from({ length: N / 2 }, (_, i) => [
          t.api('POST', `/v1/apps/${OTHER}/releases/o1/promote`, { channel: `o-${i + 1}`, basisPoints: 100 + i }),
          ops(`r${i + 1}`, 'rollout', { channel: `pub-${i + 1}`, basisPoints: 200 + i }),
        ]).flat(),
      );
      const summary = JSON.stringify(answers.map((res) => `${res.status} ${res.json?.error?.code ?? ''}`));
      assert.equal(answers.filter((res) => res.status >= 500).length, 0, summary);
      const ok = answers.map((res) => assertAnswered('change', res, ['metadata-changed']));
      const [mine, theirs] = await Promise.all([
        refresh(t.url, APP, rootBytes),
        refresh(t.url, OTHER, other.rootBytes),
      ]);
      for (let i = 0; i < N / 2; i++) {
        const o = theirs.director.targets[pointerTargetPath(`o-${i + 1}`, 'ios', '1.0.0')]?.custom?.['updraft'];
        if (ok[2 * i]) assert.equal((o as { rollout: { basisPoints: number } }).rollout.basisPoints, 100 + i);
        const m = mine.director.targets[pointerTargetPath(`pub-${i + 1}`, 'ios', '1.0.0')]?.custom?.['updraft'];
        if (ok[2 * i + 1]) assert.equal((m as { rollout: { basisPoints: number } }).rollout.basisPoints, 200 + i);
      }
      assert.deepEqual((await t.api('GET', '/v1/audit/verify')).json.problems, []);
    });

    it('audited changes that re-sign nothing, in two apps of one organization at once: none 5xx', async () => {
      const notes = (appId: string, releaseId: string, i: number) =>
        t.api('PATCH', `/v1/apps/${appId}/releases/${releaseId}`, { notes: `note ${i}` });
      const answers = await Promise.all(
        Array.from({ length: N }, (_, i) => [notes(APP, `r${i + 1}`, i), notes('race.other', 'o1', i)]).flat(),
      );
      assert.deepEqual(
        answers.map((res) => res.status),
        answers.map(() => 200),
        JSON.stringify(answers.map((res) => res.json?.error ?? null)),
      );
      assert.deepEqual((await t.api('GET', '/v1/audit/verify')).json.problems, []);
    });

    it('two publishes of the same releases version: one is stored, the other is 409 releases-changed', async () => {
      const [a, b] = await Promise.all([
        prepareRelease(t, APP, keys, { releaseId: 'q1', versionCode: 50, channel: 'pub-q1' }),
        prepareRelease(t, APP, keys, { releaseId: 'q2', versionCode: 51, channel: 'pub-q2' }),
      ]);
      assert.equal(a.body.releases.signed['version'], b.body.releases.signed['version']);
      const answers = await Promise.all([
        t.api('POST', `/v1/apps/${APP}/releases`, a.body),
        t.api('POST', `/v1/apps/${APP}/releases`, b.body),
      ]);
      const statuses = answers.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, 409], JSON.stringify(answers.map((r) => r.json)));
      assert.equal(answers.find((r) => r.status === 409)!.json.error.code, 'releases-changed');
      const { releases } = await refresh(t.url, APP, rootBytes);
      assert.equal(releases.version, a.body.releases.signed['version']);
    });
  });
}
