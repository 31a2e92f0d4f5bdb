import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DELEGATED_ROLES,
  isMetadataRole,
  LOG_CONSISTENCY_PROOF_PATH,
  LOG_ENTRIES_PATH,
  LOG_INCLUSION_PROOF_PATH,
  METADATA_ROLES,
  metadataFileName,
  OFFLINE_ROLES,
  ONLINE_ROLES,
  parseMetadataFileName,
  repoPaths,
  repositoryBaseUrl,
  repositoryPath,
  roleFileName,
  TIMESTAMP_FILE,
  TOP_ROLES,
} from '../src/index.js';

// One role vocabulary and one URL layout for the routes, the static export, the client and the CLI.

test('every role is top-level or delegated, and offline or online, exactly once', () => {
  const sorted = (roles: readonly string[]) => [...roles].sort();
  assert.deepEqual(sorted([...TOP_ROLES, ...DELEGATED_ROLES]), sorted(METADATA_ROLES));
  assert.deepEqual(sorted([...OFFLINE_ROLES, ...ONLINE_ROLES]), sorted(METADATA_ROLES));
  assert.equal(new Set(METADATA_ROLES).size, 6);
  assert.deepEqual(OFFLINE_ROLES, ['root', 'targets', 'releases']);
  assert.deepEqual(ONLINE_ROLES, ['snapshot', 'timestamp', 'director']);
  for (const role of METADATA_ROLES) assert.ok(isMetadataRole(role));
  for (const other of ['Root', 'mirrors', '', 'root.json', 1]) assert.ok(!isMetadataRole(other), String(other));
});

test('the URLs inside a repository, as the server serves them and a static export writes them', () => {
  assert.equal(repositoryPath('com.example.app'), 'repo/com.example.app');
  assert.equal(repositoryPath(':appId'), 'repo/:appId', 'the route pattern');
  assert.equal(repositoryBaseUrl('https://u.example.com//', 'a'), 'https://u.example.com/repo/a');
  assert.equal(repositoryBaseUrl('https://u.example.com', 'a b'), 'https://u.example.com/repo/a%20b');
  assert.equal(repoPaths.root(3), 'metadata/3.root.json');
  assert.equal(repoPaths.timestamp(), 'metadata/timestamp.json');
  assert.equal(repoPaths.versioned('releases', 12), 'metadata/12.releases.json');
  assert.equal(repoPaths.target('manifests/r1.json', 'ab'), 'targets/manifests/ab.r1.json');
  assert.equal(repoPaths.target('channels/prod/ios/1.0', 'cd'), 'targets/channels/prod/ios/cd.1.0');
  assert.equal(repoPaths.file('ef'), 'targets/files/ef');
  assert.equal(repoPaths.targets('files/ef'), 'targets/files/ef');
  assert.equal(repoPaths.checkpoint(), 'log/checkpoint');
  assert.equal(repoPaths.log('tile/0/000'), 'log/tile/0/000');
  assert.equal(repoPaths.log(LOG_ENTRIES_PATH), 'log/entries');
  assert.equal(repoPaths.log(LOG_INCLUSION_PROOF_PATH), 'log/proof/inclusion');
  assert.equal(repoPaths.log(LOG_CONSISTENCY_PROOF_PATH), 'log/proof/consistency');
  assert.equal(TIMESTAMP_FILE, 'timestamp.json');
  assert.equal(roleFileName('snapshot'), 'snapshot.json');
});

test('a versioned metadata file name parses back to its role and version; any other name is refused', () => {
  for (const role of METADATA_ROLES) {
    if (role === 'timestamp') continue;
    assert.deepEqual(parseMetadataFileName(metadataFileName(role, 7)), { role, version: 7 });
  }
  assert.deepEqual(parseMetadataFileName('9999999999.root.json'), { role: 'root', version: 9999999999 });
  for (const name of [
    '1.timestamp.json', // timestamp has one name
    'timestamp.json',
    '0.root.json',
    '01.root.json',
    '10000000000.root.json',
    '1.mirrors.json',
    '1.root.json.gz',
    '../1.root.json',
    '1.Root.json',
    '-1.root.json',
  ]) {
    assert.equal(parseMetadataFileName(name), null, name);
  }
});
