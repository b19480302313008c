import { callerLocation, formatLocation } from './caller-location.js';
import {
  addHandler,
  createRegistry,
  type Handler,
  type HandlerOptions,
  type Registry,
} from './registry.js';

/**
 * The registry `on()` adds to lives on globalThis under a registered symbol, so a handlers file
 * that resolves `quickcd` to another copy of this module still reaches the running quickcd.
 */
const key = Symbol.for('quickcd.registry');
type Global = typeof globalThis & { [key]?: Registry };

export function currentRegistry(): Registry {
  const g = globalThis as Global;
  return (g[key] ??= createRegistry());
}

/** Replaces the registry `on()` adds to (the loader gives every handlers file a fresh one). */
export function setCurrentRegistry(registry: Registry): void {
  (globalThis as Global)[key] = registry;
}

/**
 * Registers a handler for an Events API event type.
 *
 * ```ts
 * on('PushEvent', async (payload, ctx) => { … }, { filter: (p) => p.ref === 'refs/heads/main' });
 * ```
 */
export function on<T extends string>(
  type: T,
  handler: Handler<T>,
  options?: HandlerOptions<T>,
): void {
  const at = callerLocation();
  addHandler(currentRegistry(), type, handler, options, at && formatLocation(at));
}
