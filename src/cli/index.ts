#!/usr/bin/env node
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  env: process.env,
  interactive: process.stderr.isTTY === true,
});
// `wisp start` keeps serving: its server holds the process open.
if (code !== 0 || process.argv[2] !== 'start') process.exitCode = code;
