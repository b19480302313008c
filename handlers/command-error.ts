import { QuickcdError } from '../common/errors.js';
import { formatLocation, type SourceLocation } from './caller-location.js';

/** A shell command that exited non-zero, was killed, or timed out. */
export class CommandError extends QuickcdError {
  override readonly name = 'CommandError';
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** The command's stdout passed what `sh` returns (`maxStdoutChars`). */
  readonly outputTooLarge: boolean;
  /** Where the handler ran the command (`file:line:column` of its code), when known. */
  readonly location: string | undefined;

  constructor(details: {
    command: string;
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
    outputTooLarge?: boolean;
    /** The limit `outputTooLarge` passed. */
    maxStdout?: number;
    /** The user's frames where the command was started. */
    calledFrom?: readonly SourceLocation[];
  }) {
    const how = details.timedOut
      ? 'timed out'
      : details.exitCode === 0 && details.outputTooLarge
        ? `printed more than the ${details.maxStdout ?? 'maximum'} characters of stdout sh returns (redirect large output to a file, or raise maxStdoutChars)`
        : details.exitCode !== null
          ? `exited with code ${details.exitCode}`
          : `was killed by ${details.signal ?? 'a signal'}`;
    const tail = details.stderr.trim().split('\n').slice(-5).join('\n');
    super('COMMAND_FAILED', `Command ${how}: ${details.command}${tail ? `\n${tail}` : ''}`, {
      command: details.command,
      exitCode: details.exitCode,
      ...(details.calledFrom?.[0] ? { location: formatLocation(details.calledFrom[0]) } : {}),
    });
    this.command = details.command;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stdout = details.stdout;
    this.stderr = details.stderr;
    this.timedOut = details.timedOut;
    this.outputTooLarge = details.outputTooLarge ?? false;
    const frames = details.calledFrom ?? [];
    this.location = frames[0] && formatLocation(frames[0]);
    // The stack of the call in the handler, not of quickcd's process bookkeeping.
    if (frames.length > 0) {
      this.stack = [
        `${this.name}: ${this.message}`,
        ...frames.map((f) => `    at ${formatLocation(f)}`),
      ].join('\n');
    }
  }
}
