// The webhook delivery history (org_id, last_status, last_attempt_at): text and integer columns, so the SQLite statements run unchanged.
export { up, down } from '../sqlite/0014-webhook-history.sqlite.js';
