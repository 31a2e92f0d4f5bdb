import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { channelsApi, codepushApi, RouteResponse, sourcemapsApi } from '@updraft/api';

// The list answers are built by listOf(); their derived types must stay exactly what the
// hand-written `as const` schemas gave. These assertions are checked by the typecheck
// (tsc -p tsconfig.test.json): a wider or `unknown` type fails to compile.

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(value: T): T {
  return value;
}

test('a list route answers exactly { key: Item[] } as its types say', () => {
  assert.equal(
    assertType<Equal<RouteResponse<'GET /v1/apps/:appId/channels'>, { channels: channelsApi.Channel[] }>>(true),
    true,
  );
  assert.equal(
    assertType<
      Equal<RouteResponse<'GET /v1/apps/:appId/codepush/deployments'>, { deployments: codepushApi.Deployment[] }>
    >(true),
    true,
  );
  assert.equal(
    assertType<
      Equal<
        RouteResponse<'GET /v1/apps/:appId/releases/:releaseId/sourcemaps'>,
        { sourcemaps: sourcemapsApi.Sourcemap[] }
      >
    >(true),
    true,
  );
  assert.equal(
    assertType<Equal<RouteResponse<'POST /v1/apps/:appId/blobs/missing'>, { missing: string[] }>>(true),
    true,
  );
  // The check itself can fail: a different element type is not equal.
  assert.equal(
    assertType<Equal<{ missing: string[] }, { missing: number[] }> extends false ? true : false>(true),
    true,
  );
});
