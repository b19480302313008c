import { runCli } from '../../support/run-cli.js';
import type { StoredRecord } from '../invariants/types.js';

/** What the store holds at the end, read the way an operator would: `quickcd events --json`. */
export async function listStoredEvents(
  storeArgs: readonly string[],
  env: Record<string, string>,
): Promise<(StoredRecord & { storedAt: number })[]> {
  const { stdout, code, stderr } = await runCli(['events', ...storeArgs, '--json'], { env });
  if (code !== 0) throw new Error(`quickcd events failed: ${stderr}`);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StoredRecord & { storedAt: string })
    .map((e) => ({ repo: e.repo, id: e.id, status: e.status, storedAt: Date.parse(e.storedAt) }));
}
