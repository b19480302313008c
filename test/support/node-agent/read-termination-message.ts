import { open } from 'node:fs/promises';
import { formatEntries, readLogEntries } from './container-log.js';

async function readHead(file: string, max: number): Promise<string> {
  try {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(max);
      const { bytesRead } = await fh.read(buf, 0, max, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return '';
  }
}

/**
 * A terminated container's `message`, as the kubelet reads it: the first 4096 bytes of the
 * termination message file; with `FallbackToLogsOnError` and a failure leaving that file
 * empty, the last 80 lines (at most 2048 bytes) of the container's log.
 */
export async function readTerminationMessage(input: {
  file: string;
  policy: string | undefined;
  exitCode: number;
  logFile: string;
}): Promise<string> {
  const message = await readHead(input.file, 4096);
  if (message !== '' || input.exitCode === 0 || input.policy !== 'FallbackToLogsOnError') {
    return message;
  }
  const lines = formatEntries(readLogEntries(input.logFile), false).split(/(?<=\n)/);
  const tail = lines.slice(-80).join('');
  const bytes = Buffer.from(tail);
  return bytes.length > 2048 ? bytes.subarray(bytes.length - 2048).toString('utf8') : tail;
}
