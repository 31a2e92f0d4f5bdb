export { buildProgram, main } from './program.js';
export { CliError } from './output.js';
