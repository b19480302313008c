// `worker_threads` for the runner's startup snapshot (scripts/bundle-cli.mjs): pino and
// thread-stream require it as they load, but on Node 20 a process restored from a snapshot
// that holds `worker_threads` never gets module.register()'s loader thread going (the handlers
// loader hooks: a bundle that imports `zod` hangs). pino reads `isMainThread` (the runner's
// logger is on the main thread) and thread-stream its `Worker` class (for transports, which
// quickcd does not use): the real module loads only if a Worker is made.
export const isMainThread = true;

export function Worker(...args) {
  return new (process.getBuiltinModule('node:worker_threads').Worker)(...args);
}
