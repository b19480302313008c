/** The time (ms) of the first scheduler log line `msg` about event `eventId`. */
export function logTime(
  logs: readonly Record<string, unknown>[],
  msg: string,
  eventId: string,
): number | undefined {
  const line = logs.find((l) => l.msg === msg && l.eventId === eventId);
  return typeof line?.time === 'number' ? line.time : undefined;
}
