// Control plane: the SQLite migration uses only the schema builder and plain column types, which
// run unchanged on PostgreSQL, so the PostgreSQL history runs the same statements.
export { up, down } from '../sqlite/0003-control-plane.sqlite.js';
