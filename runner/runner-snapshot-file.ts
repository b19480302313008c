import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The runner's V8 startup snapshot, next to the bundle (cli/runner-snapshot.ts makes it). */
export const RUNNER_SNAPSHOT_BLOB = 'runner.blob';
/** What the snapshot was built by and where (JSON, {@link RunnerSnapshotMeta}). */
export const RUNNER_SNAPSHOT_META = 'runner.blob.json';
export const RUNNER_SNAPSHOT_FORMAT = 1;
/** The supervised commands a child started from the snapshot can run. */
export const RUNNER_SNAPSHOT_COMMANDS = ['runner', 'run'] as const;

export interface RunnerSnapshotMeta {
  readonly format: number;
  readonly node: string;
  readonly arch: string;
  readonly platform: string;
  /** The directory it was built in: the modules' paths in it are this directory's. */
  readonly dir: string;
}

export type RunnerSnapshotChoice =
  { readonly blob: string } | { readonly blob?: undefined; readonly why: string };

/**
 * Whether a runner child can start from the snapshot in `dir`, and why not. Node.js refuses
 * (exit 14) a snapshot made by another Node.js or with other V8 options, so it is used only
 * when it was built by this very Node.js in this directory (an installation copied elsewhere
 * compiles again) and the child gets no options of its own: not the parent's `execArgv`, not
 * `NODE_OPTIONS`. `QUICKCD_RUNNER_SNAPSHOT=off` turns it off.
 */
export function runnerSnapshot(
  dir: string,
  command: string,
  execArgv: readonly string[],
  env: NodeJS.ProcessEnv,
): RunnerSnapshotChoice {
  if (!(RUNNER_SNAPSHOT_COMMANDS as readonly string[]).includes(command)) {
    return { why: `it runs ${RUNNER_SNAPSHOT_COMMANDS.join(' and ')}, not ${command}` };
  }
  // The setting (common/config.ts), read here as is: the supervisor loads no configuration.
  if (env.QUICKCD_RUNNER_SNAPSHOT === 'off') return { why: 'QUICKCD_RUNNER_SNAPSHOT=off' };
  let meta: Partial<RunnerSnapshotMeta>;
  try {
    meta = JSON.parse(readFileSync(join(dir, RUNNER_SNAPSHOT_META), 'utf8')) as typeof meta;
  } catch {
    return { why: `no ${RUNNER_SNAPSHOT_META} in ${dir} (npm run build makes it)` };
  }
  if (meta.format !== RUNNER_SNAPSHOT_FORMAT) return { why: 'made by another quickcd' };
  if (meta.node !== process.version || meta.arch !== process.arch) {
    return { why: `made by Node.js ${meta.node} (${meta.arch}), this is ${process.version}` };
  }
  if (meta.platform !== process.platform) return { why: `made on ${meta.platform}` };
  if (meta.dir !== dir) return { why: `made in ${meta.dir}: rebuild it here` };
  if (execArgv.length > 0) return { why: `node options ${execArgv.join(' ')}` };
  if (env.NODE_OPTIONS?.trim()) return { why: 'NODE_OPTIONS is set' };
  const blob = join(dir, RUNNER_SNAPSHOT_BLOB);
  return existsSync(blob) ? { blob } : { why: `no ${RUNNER_SNAPSHOT_BLOB} in ${dir}` };
}
