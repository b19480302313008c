import type { Env } from '../common/config.js';
import { readSpareAssignment } from '../runner/spare-assignment.js';
import { superviseRunner } from '../runner/supervise-runner.js';
import type { CommandInput } from './command.js';

/**
 * `quickcd runner` outside its child: starts the child (the same command with the same flags)
 * and supervises it. Loads nothing else: it starts once per event.
 */
export function superviseRunnerCommand(
  flags: CommandInput['flags'],
  env: Env,
  warn: (text: string) => void,
): Promise<number> {
  const resultFile = typeof flags.result === 'string' ? flags.result : env.QUICKCD_RESULT_FILE;
  const args = [
    'runner',
    ...Object.entries(flags).flatMap(([k, v]) =>
      v === true ? [`--${k}`] : typeof v === 'string' ? [`--${k}`, v] : [],
    ),
  ];
  if (flags.spare === true) {
    return superviseRunner({ args, env, assignment: readSpareAssignment(), warn });
  }
  return superviseRunner({ args, env, ...(resultFile ? { resultFile } : {}), warn });
}
