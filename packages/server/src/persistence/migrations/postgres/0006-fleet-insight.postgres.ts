// Fleet insight (issue 7). The SQLite migration uses only the schema builder and plain column
// types (text, integer), which run unchanged on PostgreSQL, so it is the same statements.
export { up, down } from '../sqlite/0006-fleet-insight.sqlite.js';
