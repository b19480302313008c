// The GitHub API test server, standalone (npm run github-test-server). Usage:
//   node test/support/github-server/standalone.mjs [--port N] [--token T] [--poll-interval S]
//        [--events <file.json> --repo owner/name]
import { runTsMain } from '../run-ts-main.mjs';

await runTsMain(new URL('./standalone.ts', import.meta.url), process.argv.slice(2));
