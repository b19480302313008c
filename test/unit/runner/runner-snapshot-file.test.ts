import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  RUNNER_SNAPSHOT_BLOB,
  RUNNER_SNAPSHOT_FORMAT,
  RUNNER_SNAPSHOT_META,
  runnerSnapshot,
  type RunnerSnapshotMeta,
} from '../../../runner/runner-snapshot-file.js';
import { writeFiles } from '../../support/fixtures.js';

/** A directory holding a snapshot made by this Node.js there, or by what `meta` says. */
function built(meta: Partial<RunnerSnapshotMeta> = {}, blob = true): string {
  const { dir } = writeFiles({});
  const made: RunnerSnapshotMeta = {
    format: RUNNER_SNAPSHOT_FORMAT,
    node: process.version,
    arch: process.arch,
    platform: process.platform,
    dir,
    ...meta,
  };
  writeFileSync(join(dir, RUNNER_SNAPSHOT_META), JSON.stringify(made));
  if (blob) writeFileSync(join(dir, RUNNER_SNAPSHOT_BLOB), 'blob');
  return dir;
}

describe('runnerSnapshot: whether a runner child may start from the snapshot', () => {
  it('yes when this Node.js made it in this directory and the child gets no V8 options', () => {
    const dir = built();
    expect(runnerSnapshot(dir, 'runner', [], { NODE_OPTIONS: ' ' })).toEqual({
      blob: join(dir, RUNNER_SNAPSHOT_BLOB),
    });
  });

  it('no, with the reason, in every case Node.js would refuse it (exit 14) or it could be stale', () => {
    const why = (
      dir: string,
      execArgv: string[] = [],
      env: NodeJS.ProcessEnv = {},
      command = 'runner',
    ) => {
      const choice = runnerSnapshot(dir, command, execArgv, env);
      expect(choice.blob).toBeUndefined();
      return 'why' in choice ? choice.why : '';
    };
    expect(why(writeFiles({}).dir)).toMatch(/no runner\.blob\.json in .*npm run build/);
    expect(why(built({ node: 'v20.0.0' }))).toBe(
      `made by Node.js v20.0.0 (${process.arch}), this is ${process.version}`,
    );
    expect(why(built({ arch: 'mips' }))).toMatch(/made by Node\.js .* \(mips\)/);
    expect(why(built({ platform: 'aix' }))).toBe('made on aix');
    expect(why(built({ dir: '/src/dist/bundle' }))).toBe(
      'made in /src/dist/bundle: rebuild it here',
    );
    expect(why(built({ format: 99 }))).toBe('made by another quickcd');
    expect(why(built({}, false))).toMatch(/^no runner\.blob in /);
    expect(why(built(), ['--max-old-space-size=100'])).toBe(
      'node options --max-old-space-size=100',
    );
    expect(why(built(), [], { NODE_OPTIONS: '--stack-size=2000' })).toBe('NODE_OPTIONS is set');
    expect(why(built(), [], { QUICKCD_RUNNER_SNAPSHOT: 'off' })).toBe(
      'QUICKCD_RUNNER_SNAPSHOT=off',
    );
    expect(why(built(), [], {}, 'scheduler')).toBe('it runs runner and run, not scheduler');
    expect(runnerSnapshot(built(), 'run', [], {}).blob).toBeDefined();
  });
});
