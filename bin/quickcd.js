#!/usr/bin/env node
// The `quickcd` command. Built code lives in dist/bundle/ (`npm ci` builds it; `npm run build` again after edits).
import { main } from '../dist/bundle/quickcd.js';

const code = await main(process.argv.slice(2));
// A command is done when main resolves: timers, sockets or promises a handler left behind must
// not keep the process alive. Exit once what was written to stdout and stderr is out.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise((r) => s.write('', r))));
process.exit(code);
