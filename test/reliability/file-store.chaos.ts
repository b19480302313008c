// The chaos suite on the file store and the local executor: two scheduler replicas sharing one
// state directory (the lock file elects the leader), SIGKILLed and restarted, with GitHub
// faults, late events and runners killed mid-handler. Run by `npm run test:reliability`.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from '../support/fixtures.js';
import { startGitHubServer, type GitHubTestServer } from '../support/github-server/index.js';
import { startSchedulerProcess } from '../support/scheduler-process.js';
import type { Place } from './invariants/check-no-secret.js';
import { chaosHandlers } from './support/chaos-handlers.js';
import { chaosProfile, chaosSeed } from './support/chaos-profile.js';
import { createRng } from './support/create-rng.js';
import { startJournalServer, type JournalServer } from './support/journal-server.js';
import { listStoredEvents } from './support/list-stored-events.js';
import { runChaos } from './support/run-chaos.js';
import { runnerKiller } from './support/runner-killer.js';

const seed = chaosSeed();
const profile = chaosProfile();
const rng = createRng(seed).fork('file-store');
const killer = runnerKiller(
  rng.fork('runners'),
  profile.runnerKillChance,
  [50, profile.holdMs * 0.5],
  (e) => journal.record(e),
);
const secret = `chaos-${randomBytes(12).toString('hex')}`;
const repos = Array.from({ length: profile.repos }, (_, i) => `chaos/file-${i + 1}`);
let github: GitHubTestServer;
let journal: JournalServer;
let dir: string;

beforeAll(async () => {
  github = await startGitHubServer({ pollInterval: 1 });
  journal = await startJournalServer((e) => killer.onEntry(e));
  dir = tempDir('quickcd-chaos-file-');
  writeFileSync(join(dir, 'handlers.ts'), chaosHandlers(journal.url, profile.holdMs));
});
afterAll(async () => {
  killer.stop();
  await journal?.close();
  await github?.close();
});

function* files(root: string): Generator<string> {
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

it(
  `survives the chaos on the file store (seed ${seed}, ${profile.name})`,
  { timeout: 900_000 },
  async () => {
    const stateDir = join(dir, 'state');
    const env = {
      QUICKCD_GITHUB_URL: github.url,
      QUICKCD_GITHUB_TOKEN: github.token,
      QUICKCD_REPO: repos.join(','),
      QUICKCD_POLL_INTERVAL: '1',
      QUICKCD_RETRY_BASE_SECONDS: '1',
      QUICKCD_RETRY_MAX_SECONDS: '5',
      QUICKCD_COMMENT_INTERVAL: '0',
      QUICKCD_CLUSTER_ID: 'chaos/local/file',
      QUICKCD_REPLAY: 'window',
      QUICKCD_REVALIDATE_INTERVAL: '20',
      QUICKCD_SECRET_ENV: 'CHAOS_SECRET',
      CHAOS_SECRET: secret,
    };
    const storeArgs = ['--store', 'file', '--state-dir', stateDir];
    const { text, ok } = await runChaos(
      {
        name: `file store (${profile.name})`,
        repos,
        secrets: [secret, github.token],
        leaderLog: 'scheduler lock acquired',
        startScheduler: (n) =>
          startSchedulerProcess(
            [...storeArgs, '--executor', 'local', '--handlers', join(dir, 'handlers.ts')],
            { ...env, QUICKCD_IDENTITY: `chaos-file-${n}` },
          ),
        listStored: () => listStoredEvents(storeArgs, env),
        runs: async (entries) =>
          entries
            .filter((e) => e.phase === 'start' && e.run !== undefined)
            .map((e) => ({ event: e.event, key: e.run!, runId: `pid ${e.pid}` })),
        async places(): Promise<Place[]> {
          const out: Place[] = [];
          for (const path of files(stateDir))
            out.push({
              where: `file ${path.slice(stateDir.length + 1)}`,
              text: readFileSync(path, 'utf8'),
            });
          return out;
        },
      },
      github,
      journal,
      killer,
      profile,
      seed,
      rng,
    );
    process.stdout.write(`${text}\n`);
    expect(ok, text).toBe(true);
  },
);
