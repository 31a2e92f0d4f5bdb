// Issue 14 §7: plain text columns only, so the SQLite statements run unchanged.
export { up, down } from '../sqlite/0011-audit-anchoring.sqlite.js';
