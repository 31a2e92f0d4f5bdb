// Expo Updates compatibility (issue 17): text columns only, so the SQLite statements run unchanged.
export { up, down } from '../sqlite/0012-expo.sqlite.js';
