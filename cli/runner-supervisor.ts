import { SUPERVISED_ENV } from '../runner/supervised-env.js';
import { parseCommandArgs } from './parse-command-args.js';
import { RUNNER_OPTIONS } from './commands/runner-options.js';
import { superviseRunnerCommand } from './supervise-runner-command.js';

export { exitWhenWritten } from './exit-when-written.js';

/**
 * `quickcd runner` as a Job or the local executor starts it, for every event: the supervisor of
 * the handlers' child. bin/quickcd.js loads this one small script (dist/bundle/runner-supervisor.js,
 * bundled alone) instead of the CLI, whose dozen ES modules cost every event's supervisor
 * ~20 ms of CPU to load. Resolves undefined for what only the CLI does: the child itself,
 * `--help`, arguments it does not take (the CLI then reports them as usual).
 */
export async function superviseRunnerFast(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<number | undefined> {
  if (env[SUPERVISED_ENV] === '1') return undefined;
  let flags;
  try {
    ({ flags } = parseCommandArgs({ options: RUNNER_OPTIONS }, args));
  } catch {
    return undefined;
  }
  if (flags.help === true) return undefined;
  return superviseRunnerCommand(flags, env, (text) => void process.stderr.write(text));
}
