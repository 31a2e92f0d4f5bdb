// Source maps beside releases (issue 18 §3): text and integer columns, so the SQLite statements run unchanged.
export { up, down } from '../sqlite/0013-sourcemaps.sqlite.js';
