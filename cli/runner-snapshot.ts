import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startupSnapshot } from 'node:v8';
import vm from 'node:vm';
import * as octokit from '@octokit/rest';
import { setModuleImporter } from '../common/import-module.js';
import {
  RUNNER_SNAPSHOT_COMMANDS,
  RUNNER_SNAPSHOT_FORMAT,
  RUNNER_SNAPSHOT_META,
  type RunnerSnapshotMeta,
} from '../runner/runner-snapshot-file.js';
import * as githubAdapters from './github-adapters.js';
import * as runEventInProcess from './commands/run-event-in-process.js';
import { runCommand } from './commands/run.js';
import { runnerCommand } from './commands/runner.js';
import type { Command } from './command.js';
import { exitWhenWritten } from './exit-when-written.js';
import { invokeCommand, processIO } from './run-command.js';

/**
 * The entry point of the runner's V8 startup snapshot (`npm run build` makes
 * dist/bundle/runner.blob with `node --build-snapshot`): the supervised `quickcd runner` child
 * starts from a heap where the runner's modules are compiled and initialised already (zod's
 * schemas, pino, Octokit and its endpoint table), instead of compiling and running ~650 KB of
 * modules in every event's runner. Nothing here may depend on the machine it was built on:
 * only modules load while the snapshot is made, and the run reads its environment, arguments
 * and files at run time. The supervisor starts a child from the snapshot only when it was
 * built by this very Node.js, in this directory, with no V8 options (runner/runner-snapshot-file.ts).
 */
const preloaded = [octokit, githubAdapters, runEventInProcess];
/** The supervised commands (runner/supervise-runner.ts): `quickcd runner` and `quickcd run`. */
const COMMANDS: Partial<Record<string, Command>> &
  Record<(typeof RUNNER_SNAPSHOT_COMMANDS)[number], Command> = {
  runner: runnerCommand,
  run: runCommand,
};

if (startupSnapshot.isBuildingSnapshot()) {
  const given = process.execArgv.filter((a) => a !== '--build-snapshot');
  if (given.length !== 2 || given[0] !== '--snapshot-blob' || process.env.NODE_OPTIONS) {
    throw new Error(
      'the runner snapshot must be built with `node --snapshot-blob <file> --build-snapshot` only: ' +
        'V8 options (here or in NODE_OPTIONS) would have to match in every runner',
    );
  }
  const meta: RunnerSnapshotMeta = {
    format: RUNNER_SNAPSHOT_FORMAT,
    node: process.version,
    arch: process.arch,
    platform: process.platform,
    dir: __dirname,
  };
  writeFileSync(join(__dirname, RUNNER_SNAPSHOT_META), `${JSON.stringify(meta)}\n`);
  startupSnapshot.setDeserializeMainFunction(runFromSnapshot, preloaded);
}

async function runFromSnapshot(): Promise<void> {
  setModuleImporter(dynamicImport());
  // Started as `node --snapshot-blob <blob> <bin/quickcd.js> runner …` by the supervisor.
  const [, , name = '', ...args] = process.argv;
  const io = processIO();
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(
      `quickcd: the runner snapshot runs ${RUNNER_SNAPSHOT_COMMANDS.join(' and ')} only, not "${name}"\n`,
    );
  }
  await exitWhenWritten(command ? await invokeCommand(command, args, io) : 2);
}

/**
 * `import()` for code restored from the snapshot, through Node's own module loader (and the
 * handlers loader hooks, when registered). A package name resolves from the installation, as
 * it does for the bundle in dist/bundle/.
 */
function dynamicImport(): (specifier: string) => Promise<unknown> {
  const load = new vm.Script('(specifier) => import(specifier)', {
    filename: join(__dirname, 'runner-snapshot-import.js'),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  }).runInThisContext() as (specifier: string) => Promise<unknown>;
  const resolveFrom = createRequire(process.argv[1]!);
  // Node 20–24 call vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER experimental, and would say
  // so (once, as the first import starts) in every run's output. Other warnings pass.
  const emitWarning = process.emitWarning.bind(process);
  const quiet = ((warning: string, ...rest: never[]) => {
    if (!String(warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
  return (specifier) => {
    const url =
      /^[a-z][a-z0-9+.-]*:/i.test(specifier) || specifier.startsWith('/')
        ? specifier
        : pathToFileURL(resolveFrom.resolve(specifier)).href;
    const own = Object.getOwnPropertyDescriptor(process, 'emitWarning')!;
    process.emitWarning = quiet;
    try {
      return load(url);
    } finally {
      Object.defineProperty(process, 'emitWarning', own);
    }
  };
}
