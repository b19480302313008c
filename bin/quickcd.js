#!/usr/bin/env node
// The `quickcd` command. Built code lives in dist/bundle/ (`npm ci` builds it; `npm run build` again after edits).
import module from 'node:module';

// Node 22.1+: V8's compiled code of the bundle (and of a handlers bundle) is kept on disk
// (NODE_COMPILE_CACHE, default under the OS temp dir) and reused by the next process, so a
// runner does not compile the same modules again. Older Node: nothing; an unwritable
// directory: nothing either (Node then just compiles).
module.enableCompileCache?.();
const { main, exitWhenWritten } = await import('../dist/bundle/quickcd.js');

await exitWhenWritten(await main(process.argv.slice(2)));
