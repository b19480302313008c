#!/usr/bin/env node
// The `quickcd` command. Built code lives in dist/bundle/ (`npm ci` builds it; `npm run build` again after edits).
import module from 'node:module';

// Node 22.1+: V8's compiled code of the bundle (and of a handlers bundle) is kept on disk
// (NODE_COMPILE_CACHE, default under the OS temp dir) and reused by the next process, so a
// runner does not compile the same modules again. Older Node: nothing; an unwritable
// directory: nothing either (Node then just compiles).
module.enableCompileCache?.();
const [command, ...args] = process.argv.slice(2);
// `quickcd runner` as a Job or the local executor starts it, for every event: the supervisor
// of the handlers' child loads one small script, not the CLI (cli/runner-supervisor.ts).
if (command === 'runner') {
  const { superviseRunnerFast, exitWhenWritten } =
    await import('../dist/bundle/runner-supervisor.js');
  const code = await superviseRunnerFast(args, process.env);
  if (code !== undefined) await exitWhenWritten(code);
}
const { main, exitWhenWritten } = await import('../dist/bundle/quickcd.js');

await exitWhenWritten(await main(process.argv.slice(2)));
