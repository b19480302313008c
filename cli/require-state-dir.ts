import { statSync } from 'node:fs';
import { QuickcdError } from '../common/errors.js';

/** An operator command's state directory must exist: it is the scheduler's, never a new one. */
export function requireStateDir(stateDir: string): void {
  if (statSync(stateDir, { throwIfNoEntry: false })?.isDirectory()) return;
  throw new QuickcdError(
    'STATE_DIR_NOT_FOUND',
    `no state directory at ${stateDir}: pass the scheduler's --state-dir (or QUICKCD_STATE_DIR; default .quickcd, relative to where the scheduler runs)`,
    { stateDir },
  );
}
