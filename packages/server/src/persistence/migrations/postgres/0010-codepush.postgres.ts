// CodePush compatibility (issue 16): text and integer columns only, so the SQLite statements run unchanged.
export { up, down } from '../sqlite/0010-codepush.sqlite.js';
