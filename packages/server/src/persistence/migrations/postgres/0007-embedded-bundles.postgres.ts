// Embedded bundles (issue 8): plain text columns only, so the SQLite statements run unchanged.
export { up, down } from '../sqlite/0007-embedded-bundles.sqlite.js';
