import { call } from '../api.js';
import { href } from '../router.js';
import { useLoad } from './ui.js';

/**
 * On every page, for those who may read the audit log: a banner when the log no longer
 * extends what was anchored of it (entries deleted or rewritten behind the server's back).
 */
export function AuditAlert() {
  const [load] = useLoad(() => call('GET /v1/audit/anchor-status'), []);
  if (load.state !== 'ready' || !load.data.departure) return null;
  const { status, departure } = load.data;
  return (
    <p className="banner bad" role="alert" data-testid="audit-alert">
      The audit log was {status} since it was last anchored (first bad entry {departure.firstBadSeq}):{' '}
      {departure.message}. New heads are not anchored until this is resolved; see the{' '}
      <a href={href('audit')}>audit log</a> and docs/security.md.
    </p>
  );
}
