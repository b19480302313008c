/**
 * Ends the process with `code` once what was written to stdout and stderr is out. A command is
 * done when it resolves: timers, sockets or promises a handler left behind must not keep the
 * process alive.
 */
export async function exitWhenWritten(code: number): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map((s) => new Promise((r) => s.write('', r))),
  );
  process.exit(code);
}
