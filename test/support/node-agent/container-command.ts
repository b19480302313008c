import type { V1Container } from '@kubernetes/client-node';
import { expandEnv } from './expand-env.js';

/** True for an image that is one of quickcd's (base, kdep, iks: its name contains `quickcd`). */
export function isQuickcdImage(image: string | undefined): boolean {
  return /quickcd/.test(image ?? '');
}

/**
 * The argv that runs `container` on this machine: `command` + `args` with `$(VAR)` expansion.
 * A command starting with `quickcd` (or `…/quickcd`), or no command with a quickcd image (whose entrypoint is
 * `quickcd`), runs `quickcdCommand` + the rest. Undefined when there is nothing the node agent
 * can run: no command and an image that is not quickcd's (it does not pull images).
 */
export function containerArgv(
  container: V1Container,
  env: Readonly<Record<string, string>>,
  quickcdCommand: readonly string[],
): string[] | undefined {
  const command = (container.command ?? []).map((s) => expandEnv(s, env));
  const args = (container.args ?? []).map((s) => expandEnv(s, env));
  if (command.length === 0) {
    return isQuickcdImage(container.image) ? [...quickcdCommand, ...args] : undefined;
  }
  if (command[0] === 'quickcd' || command[0]?.endsWith('/quickcd'))
    return [...quickcdCommand, ...command.slice(1), ...args];
  return [...command, ...args];
}
