import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { expoSignatureHeader } from '@updraft/protocol';
import { codePushDeviceRoutes } from '../src/http/codepush/codepush-routes.js';
import { expoAdminRoutes, expoDeviceRoutes } from '../src/http/expo/expo-routes.js';
import type { BlobStore } from '../src/blobs/blobs.js';
import type { Actor } from '../src/domain/access.js';
import type { UpdateInfo } from '../src/domain/codepush/codepush-acquisition.js';
import type { CodePushServices } from '../src/domain/codepush/codepush-services.js';
import type { ExpoAnswer } from '../src/domain/expo/expo-device.js';
import type { ExpoServices } from '../src/domain/expo/expo-services.js';
import type { RepositoryService } from '../src/domain/repository-service.js';
import type { ExpoUpdate } from '../src/persistence/expo/expo-store.js';
import { DownloadSlots } from '../src/http/download-slots.js';

// Device answers are read by apps already in the field: their bytes must not change when the
// routes declare response schemas (Fastify then serializes with fast-json-stringify, which
// writes the schema's properties in the schema's order and drops the others). Before the
// schemas, Fastify sent JSON.stringify of what the handler returned: each expectation below
// is that, written out field by field in the order the code builds it. Expo manifests and
// directives are signed over their exact bytes: they must go out as stored, never
// re-serialized.

/** Strings a serializer could treat differently from JSON.stringify. */
const AWKWARD = [
  '',
  'plain',
  'quotes " and \\ backslash, / slash',
  'controls \u0000 \u0001 \b \f \n \r \t \u001f',
  'line separators \u2028 \u2029 and ünïcödé 日本語 💥',
  'a lone surrogate \ud800 and \udfff',
  'long '.repeat(2000),
];

function info(description: string, i: number): UpdateInfo {
  return {
    downloadUrl: `http://127.0.0.1:${1000 + i}/v0.1/public/codepush/download/com.example/${'ab'.repeat(32)}.zip`,
    description,
    isAvailable: i % 2 === 0,
    isMandatory: i % 3 === 0,
    appVersion: '1.0.0',
    targetBinaryRange: i % 2 ? '>=3.0.0 <4.0.0' : '1.0.0',
    packageHash: i % 2 ? '' : 'cd'.repeat(32),
    label: i % 2 ? '' : `v${i + 1}`,
    packageSize: i === 0 ? 0 : 2 ** 40 + i,
    updateAppVersion: i % 2 === 1,
    shouldRunBinaryVersion: false,
    isDisabled: i === 5,
  };
}

async function codePushApp(answer: UpdateInfo) {
  const codepush = {
    acquisition: {
      updateCheck: async () => answer,
      report: async () => undefined,
      hasZip: async () => false,
    },
  } as unknown as CodePushServices;
  const app = Fastify();
  await app.register(codePushDeviceRoutes, {
    codepush,
    blobs: {} as BlobStore,
    downloads: new DownloadSlots(),
  });
  return app;
}

describe('device answers keep their bytes: CodePush', () => {
  it('update_check (current API) is JSON.stringify of the snake-cased update_info', async () => {
    for (const [i, description] of AWKWARD.entries()) {
      const u = info(description, i);
      const app = await codePushApp(u);
      const res = await app.inject({
        method: 'GET',
        url: '/v0.1/public/codepush/update_check?deployment_key=k&app_version=1.0.0',
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      const expected = JSON.stringify({
        update_info: {
          download_url: u.downloadUrl,
          description: u.description,
          is_available: u.isAvailable,
          is_mandatory: u.isMandatory,
          app_version: u.appVersion,
          target_binary_range: u.targetBinaryRange,
          package_hash: u.packageHash,
          label: u.label,
          package_size: u.packageSize,
          update_app_version: u.updateAppVersion,
          should_run_binary_version: u.shouldRunBinaryVersion,
          is_disabled: u.isDisabled,
        },
      });
      assert.equal(res.body, expected, `description #${i}`);
      assert.equal(res.headers['content-length'], String(Buffer.byteLength(expected)));
      await app.close();
    }
  });

  it('updateCheck (legacy API) is JSON.stringify of the camelCase updateInfo', async () => {
    for (const [i, description] of AWKWARD.entries()) {
      const u = info(description, i);
      const app = await codePushApp(u);
      const res = await app.inject({ method: 'GET', url: '/updateCheck?deploymentKey=k&appVersion=1.0.0' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      const expected = JSON.stringify({
        updateInfo: {
          downloadURL: u.downloadUrl,
          description: u.description,
          isAvailable: u.isAvailable,
          isMandatory: u.isMandatory,
          appVersion: u.targetBinaryRange,
          packageHash: u.packageHash,
          label: u.label,
          packageSize: u.packageSize,
          updateAppVersion: u.updateAppVersion,
          shouldRunBinaryVersion: u.shouldRunBinaryVersion,
        },
      });
      assert.equal(res.body, expected, `description #${i}`);
      await app.close();
    }
  });

  it('status reports answer {}', async () => {
    const app = await codePushApp(info('', 0));
    for (const [url, body] of [
      [
        '/v0.1/public/codepush/report_status/deploy',
        { deployment_key: 'k', label: 'v1', status: 'DeploymentSucceeded' },
      ],
      ['/v0.1/public/codepush/report_status/download', { deployment_key: 'k', label: 'v1' }],
      ['/reportStatus/deploy', { deploymentKey: 'k', label: 'v1', status: 'DeploymentFailed' }],
      ['/reportStatus/download', { deploymentKey: 'k', label: 'v1', extra: 'field' }],
    ] as const) {
      const res = await app.inject({ method: 'POST', url, payload: body });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', url);
      assert.equal(res.body, '{}', url);
    }
    await app.close();
  });
});

/** Manifest texts as a publisher may have written them: the bytes are what the signature covers. */
const MANIFESTS = [
  '{"id":"0754dad0-d200-d634-113c-ef1f26106028","createdAt":"2026-01-01T00:00:00.000Z"}',
  '{ "spaced" : [ 1 , 2 ],\n\t"unsorted": true, "a": 1 }\n',
  JSON.stringify({ text: AWKWARD.slice(0, 6).join('|'), n: 1e21, nested: { '': null } }),
  '{"long":"' + 'x'.repeat(100_000) + '"}',
];
const SIG = 'c2lnbmF0dXJlIG92ZXIgdGhlIG1hbmlmZXN0IGJ5dGVz';

function update(manifest: string, signed: boolean): ExpoUpdate {
  return {
    appId: 'com.example',
    releaseId: 'r1',
    updateId: '0754dad0-d200-d634-113c-ef1f26106028',
    platform: 'ios',
    runtimeVersion: '1.0.0',
    createdAt: '2026-01-01T00:00:00.000Z',
    manifest,
    signature: signed ? SIG : null,
    keyId: signed ? 'main' : null,
  };
}

async function expoApp(answer: ExpoAnswer, stored: ExpoUpdate) {
  const view = {
    releaseId: stored.releaseId,
    updateId: stored.updateId,
    platform: stored.platform,
    runtimeVersion: stored.runtimeVersion,
    createdAt: stored.createdAt,
    signed: stored.signature !== null,
    keyId: stored.keyId,
    manifest: stored.manifest,
  };
  const expo = {
    device: { answer: async () => answer },
    admin: {
      status: async () => ({ signed: true, keyIds: ['main', 'old'] }),
      getUpdate: async () => view,
      registerUpdate: async () => view,
      rollBackToEmbedded: async () => ({ commitTime: stored.createdAt }),
    },
  } as unknown as ExpoServices;
  const app = Fastify();
  app.addHook('onRequest', async (request) => {
    request.actor = {} as Actor;
  });
  await app.register(expoDeviceRoutes, {
    expo,
    repository: { targetBlob: async () => null } as unknown as RepositoryService,
    downloads: new DownloadSlots(),
  });
  await app.register(expoAdminRoutes, { prefix: '/v1', expo });
  return { app, view };
}

const expoHeaders = (protocol: '0' | '1', accept: string) => ({
  'expo-protocol-version': protocol,
  'expo-platform': 'ios',
  'expo-runtime-version': '1.0.0',
  accept,
});

function multipart(contentType: unknown, name: string, body: string, signature: string | null) {
  const boundary = /boundary=(\S+)$/.exec(String(contentType))?.[1];
  assert.ok(boundary, `a boundary in ${contentType}`);
  return Buffer.from(
    `--${boundary}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-disposition: inline; name="${name}"\r\n` +
      (signature ? `expo-signature: ${signature}\r\n` : '') +
      `\r\n${body}\r\n--${boundary}--\r\n`,
  );
}

describe('device answers keep their bytes: Expo', () => {
  it('a manifest goes out as stored: multipart part, application/expo+json, application/json', async () => {
    for (const [i, manifest] of MANIFESTS.entries()) {
      for (const signed of [true, false]) {
        const u = update(manifest, signed);
        const { app } = await expoApp({ kind: 'manifest', update: u }, u);
        const sig = signed ? expoSignatureHeader(SIG, 'main') : null;
        const what = `manifest #${i}, ${signed ? 'signed' : 'unsigned'}`;

        const parts = await app.inject({ method: 'GET', url: '/expo/com.example', headers: expoHeaders('1', '*/*') });
        assert.equal(parts.statusCode, 200, what);
        assert.match(String(parts.headers['content-type']), /^multipart\/mixed; boundary=updraft-[0-9a-f]{32}$/);
        assert.deepEqual(parts.rawPayload, multipart(parts.headers['content-type'], 'manifest', manifest, sig), what);
        assert.equal(parts.headers['expo-protocol-version'], '1');
        assert.equal(parts.headers['expo-sfv-version'], '0');
        assert.equal(parts.headers['cache-control'], 'private, max-age=0');

        for (const [protocol, accept, type] of [
          ['1', 'application/expo+json', 'application/expo+json; charset=utf-8'],
          ['0', 'application/json', 'application/expo+json; charset=utf-8'],
          ['0', 'multipart/mixed', 'application/json; charset=utf-8'],
        ] as const) {
          const res = await app.inject({
            method: 'GET',
            url: '/expo/com.example',
            headers: expoHeaders(protocol, accept),
          });
          assert.equal(res.statusCode, 200, `${what}, ${accept}`);
          assert.equal(res.headers['content-type'], type, `${what}, ${accept}`);
          assert.deepEqual(res.rawPayload, Buffer.from(manifest), `${what}, ${accept}`);
          assert.equal(res.headers['expo-signature'], sig ?? undefined, `${what}, ${accept}`);
          assert.equal(res.headers['expo-protocol-version'], protocol);
        }
        await app.close();
      }
    }
  });

  it('a directive goes out as stored; no update without a signature is an empty 204; 406 as before', async () => {
    const u = update(MANIFESTS[0]!, true);
    const directive = '{ "type":"noUpdateAvailable" }';
    const { app } = await expoApp(
      { kind: 'directive', directive: { body: directive, signature: SIG, keyId: 'k"1' } },
      u,
    );
    const res = await app.inject({ method: 'GET', url: '/expo/com.example', headers: expoHeaders('1', '*/*') });
    assert.equal(res.statusCode, 200);
    const sig = expoSignatureHeader(SIG, 'k"1');
    assert.deepEqual(res.rawPayload, multipart(res.headers['content-type'], 'directive', directive, sig));
    const refused = await app.inject({
      method: 'GET',
      url: '/expo/com.example',
      headers: expoHeaders('1', 'text/html'),
    });
    assert.equal(refused.statusCode, 406);
    assert.equal(
      refused.body,
      JSON.stringify({
        error: {
          code: 'not-acceptable',
          message: 'this server answers multipart/mixed, application/expo+json or application/json',
        },
      }),
    );
    await app.close();

    const none = await expoApp({ kind: 'no-update', directive: null }, u);
    const empty = await none.app.inject({ method: 'GET', url: '/expo/com.example', headers: expoHeaders('1', '*/*') });
    assert.equal(empty.statusCode, 204);
    assert.equal(empty.rawPayload.length, 0);
    assert.equal(empty.headers['expo-protocol-version'], '1');
    await none.app.close();
  });

  it('the admin answers are JSON.stringify of what the service returns, the manifest text whole', async () => {
    for (const manifest of MANIFESTS) {
      for (const signed of [true, false]) {
        const u = update(manifest, signed);
        const { app, view } = await expoApp({ kind: 'manifest', update: u }, u);
        const got = await app.inject({ method: 'GET', url: '/v1/apps/com.example/expo/updates/r1' });
        assert.equal(got.statusCode, 200);
        assert.equal(got.body, JSON.stringify(view));
        const put = await app.inject({
          method: 'PUT',
          url: '/v1/apps/com.example/expo/updates/r1',
          payload: { manifest, signature: u.signature, keyId: u.keyId, noUpdateSignature: u.signature },
        });
        assert.equal(put.statusCode, 200);
        assert.equal(put.body, JSON.stringify(view));
        await app.close();
      }
    }
    const u = update(MANIFESTS[0]!, true);
    const { app } = await expoApp({ kind: 'manifest', update: u }, u);
    const status = await app.inject({ method: 'GET', url: '/v1/apps/com.example/expo' });
    assert.equal(status.body, JSON.stringify({ signed: true, keyIds: ['main', 'old'] }));
    const rolled = await app.inject({
      method: 'POST',
      url: '/v1/apps/com.example/expo/rollbacks',
      payload: {
        channel: 'production',
        platform: 'ios',
        runtimeVersion: '1.0.0',
        directive: '{}',
        signature: null,
        keyId: null,
      },
    });
    assert.equal(rolled.statusCode, 201);
    assert.equal(rolled.body, JSON.stringify({ commitTime: u.createdAt }));
    await app.close();
  });
});
