#!/usr/bin/env node
import { main } from './program.js';

const code = await main(process.argv.slice(2));
// `serve` keeps running: only set the exit code, never force an exit here.
process.exitCode = code;
