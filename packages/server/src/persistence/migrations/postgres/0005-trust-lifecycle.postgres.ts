// Trust lifecycle: text columns only, so the SQLite statements run unchanged on PostgreSQL.
export { up, down } from '../sqlite/0005-trust-lifecycle.sqlite.js';
