// Access hardening (issue 14): schema builder, plain column types and one INSERT … SELECT,
// which run unchanged on PostgreSQL, so the same statements.
export { up, down } from '../sqlite/0008-access-hardening.sqlite.js';
