import { SUPERVISED_ENV } from '../../runner/supervised-env.js';
import type { Command } from '../command.js';
import { RUNNER_OPTIONS, RUNNER_USAGE } from './runner-options.js';

export const runnerCommand: Command = {
  name: 'runner',
  usage: RUNNER_USAGE,
  options: RUNNER_OPTIONS,
  async run(input) {
    const { flags, env, stderr } = input;
    const spare = flags.spare === true;
    const resultFile = typeof flags.result === 'string' ? flags.result : env.QUICKCD_RESULT_FILE;
    // The handlers run in a child the supervisor can kill: a busy loop blocks its event loop.
    // The supervisor loads nothing else (it starts once per event): the child checks the input.
    if (env[SUPERVISED_ENV] !== '1') {
      const { superviseRunnerCommand } = await import('../supervise-runner-command.js');
      return superviseRunnerCommand(flags, env, stderr);
    }
    const { runEventInProcess } = await import('./run-event-in-process.js');
    if (spare) {
      // Listened for before anything loads; the handlers load while the spare waits.
      const { awaitAssignedRun } = await import('../../runner/spare-assignment.js');
      return runEventInProcess(input, resultFile, awaitAssignedRun());
    }
    return runEventInProcess(input, resultFile);
  },
};
