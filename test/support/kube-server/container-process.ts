import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expand } from './pod-env.js';
import type { PodFilesystem } from './pod-filesystem.js';
import { text, type JsonObject } from './types.js';

/** How to spawn a container's process on this machine. */
export interface ProcessSpec {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

/**
 * Maps a container to a local process: `command` + `args` with `$(VAR)` expansion and
 * container paths rewritten into the pod root; a command starting with `quickcd` (or no
 * command with an image whose name contains `quickcd`) runs `quickcdCommand` instead. The
 * environment is the container's (paths rewritten) over PATH (from the host), HOME
 * (`<root>/tmp`) and HOSTNAME (the pod name) — nothing else from the host. Returns undefined
 * when there is nothing to run (no command, and an image the test server cannot run).
 */
export async function processSpec(
  podName: string,
  container: JsonObject,
  env: Record<string, string>,
  fs: PodFilesystem,
  quickcdCommand: readonly string[],
): Promise<ProcessSpec | undefined> {
  const rewriteAll = (s: string): string => fs.rewrite(expand(s, env));
  const command = (Array.isArray(container.command) ? container.command : []).map((v) => text(v));
  const args = (Array.isArray(container.args) ? container.args : []).map((v) => text(v));
  let argv = [...command, ...args].map(rewriteAll);
  if (command.length === 0 && /quickcd/.test(text(container.image))) {
    argv = [...quickcdCommand, ...argv];
  } else if (argv[0] === 'quickcd') {
    argv = [...quickcdCommand, ...argv.slice(1)];
  }
  if (argv.length === 0) return undefined;
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(fs.root, 'tmp'),
    HOSTNAME: podName,
  };
  for (const [k, v] of Object.entries(env)) childEnv[k] = fs.rewrite(v);
  const cwd =
    typeof container.workingDir === 'string' ? join(fs.root, container.workingDir) : fs.root;
  await mkdir(cwd, { recursive: true });
  return { argv, env: childEnv, cwd };
}
