import { manifestTargetPath, parseTargets, repoPaths, sha256Hex } from '@updraft/protocol';
import { parseProvenanceRef, verifyProvenance, type ProvenanceSummary } from '@updraft/protocol/transparency';
import { call, enc } from '../api.js';
import { Badge, Show, useLoad } from '../components/ui.js';

/** The release's signed SLSA provenance, fetched from the repository and verified here with the builder key. */
async function loadProvenance(appId: string, releaseId: string): Promise<ProvenanceSummary | null> {
  const releases = parseTargets(await call('GET /v1/apps/:appId/releases-metadata', { params: { appId } }), 'releases');
  const path = manifestTargetPath(releaseId);
  // The reference is read as the CLI reads it (one parser, in the protocol); the file it
  // names is checked against its hash below.
  const ref = parseProvenanceRef(releases.signed.targets[path]?.custom, path);
  if (!ref) return null;
  const res = await fetch(`/repo/${enc(appId)}/${repoPaths.target(ref.path, ref.sha256)}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (!res.ok || bytes.length !== ref.length || sha256Hex(bytes) !== ref.sha256) {
    throw new Error('the provenance file does not match the hash in the signed release');
  }
  return verifyProvenance(JSON.parse(new TextDecoder().decode(bytes)), ref.builderKey);
}

export function Provenance({ appId, releaseId }: { appId: string; releaseId: string }) {
  const [load, reload] = useLoad(() => loadProvenance(appId, releaseId), [appId, releaseId]);
  return (
    <div className="provenance">
      <h2>Provenance</h2>
      <Show load={load} what="provenance" retry={reload}>
        {(p) =>
          p === null ? (
            <p className="muted">Published without provenance.</p>
          ) : (
            <dl className="facts">
              <div>
                <dt>Signature</dt>
                <dd>
                  <Badge tone="ok">verified</Badge> builder key {p.builderKeyIds.join(', ')}
                </dd>
              </div>
              <div>
                <dt>Builder</dt>
                <dd>{p.builderId}</dd>
              </div>
              <div>
                <dt>Source</dt>
                <dd>
                  {p.repository ?? '—'} {p.commit ? `@ ${p.commit.slice(0, 12)}` : ''}{' '}
                  {p.dirty && <Badge tone="warn">uncommitted changes</Badge>}
                </dd>
              </div>
              <div>
                <dt>Built</dt>
                <dd>{p.buildTime ?? '—'}</dd>
              </div>
            </dl>
          )
        }
      </Show>
    </div>
  );
}
