import { QuickcdError } from '../common/errors.js';

/** A shell command that exited non-zero, was killed, or timed out. */
export class CommandError extends QuickcdError {
  override readonly name = 'CommandError';
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;

  constructor(details: {
    command: string;
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
  }) {
    const how = details.timedOut
      ? 'timed out'
      : details.exitCode !== null
        ? `exited with code ${details.exitCode}`
        : `was killed by ${details.signal ?? 'a signal'}`;
    const tail = details.stderr.trim().split('\n').slice(-5).join('\n');
    super('COMMAND_FAILED', `Command ${how}: ${details.command}${tail ? `\n${tail}` : ''}`, {
      command: details.command,
      exitCode: details.exitCode,
    });
    this.command = details.command;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stdout = details.stdout;
    this.stderr = details.stderr;
    this.timedOut = details.timedOut;
  }
}
