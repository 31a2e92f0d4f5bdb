// Issue 14 §3 and §9: plain text and integer columns only, so the SQLite statements run unchanged.
export { up, down } from '../sqlite/0009-outsider-hardening.sqlite.js';
