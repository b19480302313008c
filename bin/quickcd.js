#!/usr/bin/env node
// The `quickcd` command. Built code lives in dist/ (`npm ci` builds it; `npm run build` again after edits).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
