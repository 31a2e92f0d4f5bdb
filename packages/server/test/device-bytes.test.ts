import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { codePushDeviceRoutes } from '../src/http/codepush/codepush-routes.js';
import type { BlobStore } from '../src/blobs/blobs.js';
import type { UpdateInfo } from '../src/domain/codepush/codepush-acquisition.js';
import type { CodePushServices } from '../src/domain/codepush/codepush-services.js';
import { DownloadSlots } from '../src/http/download-slots.js';

// Device answers are read by apps already in the field: their bytes must not change when the
// routes declare response schemas (Fastify then serializes with fast-json-stringify, which
// writes the schema's properties in the schema's order and drops the others). Before the
// schemas, Fastify sent JSON.stringify of what the handler returned: each expectation below
// is that, written out field by field in the order the code builds it.

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
