import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../support/fixtures.js';
import { eventually } from '../../support/eventually.js';
import type { GitHubTestServer } from '../../support/github-server/index.js';
import type { SchedulerProcess } from '../../support/scheduler-process.js';
import { checkBlockingOrder } from '../invariants/check-blocking-order.js';
import { checkCompletedOnce } from '../invariants/check-completed-once.js';
import { checkIdleCpu, type IdleSample } from '../invariants/check-idle-cpu.js';
import { checkNoSecret, type Place } from '../invariants/check-no-secret.js';
import { checkNothingLost } from '../invariants/check-nothing-lost.js';
import { checkOneRunPerAttempt, type RunRecord } from '../invariants/check-one-run-per-attempt.js';
import { formatReport } from '../invariants/format-report.js';
import type { JournalEntry, StoredRecord } from '../invariants/types.js';
import type { ChaosProfile } from './chaos-profile.js';
import type { Rng } from './create-rng.js';
import { produceEvents } from './event-producer.js';
import { startGitHubChaos, type Chaos } from './github-chaos.js';
import type { JournalServer } from './journal-server.js';
import { processCpuMs } from './process-cpu-ms.js';
import type { RunnerKiller } from './runner-killer.js';
import { schedulerReplicas } from './scheduler-replicas.js';

/** What a scenario (file store, Kubernetes) plugs into a chaos run. */
export interface ChaosTarget {
  readonly name: string;
  readonly repos: readonly string[];
  readonly secrets: readonly string[];
  /** Starts the n-th scheduler replica. */
  startScheduler(n: number): SchedulerProcess;
  /** What a replica logs when it takes the leadership. */
  readonly leaderLog: string;
  listStored(): Promise<StoredRecord[]>;
  /** The launches that ran, keyed by (event, lane, attempt). */
  runs(journal: readonly JournalEntry[]): Promise<RunRecord[]>;
  /** Everything a secret must not be in, besides comments, statuses and scheduler logs. */
  places(): Promise<Place[]>;
  /** Faults of the platform, when there is one (the Kubernetes API). */
  startPlatformChaos?(rng: Rng): Chaos;
}

const HANDLERS = ['deploy', 'notify'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One chaos run: two scheduler replicas, events arriving (some late, some unwanted), GitHub
 * and platform faults, runners killed mid-handler and `profile.restarts` scheduler SIGKILLs
 * (the leader most of the time), all drawn from `rng`. Then the faults stop, the replicas get
 * `settleMs` to handle everything, their idle CPU is sampled, and the invariants are checked.
 */
export async function runChaos(
  target: ChaosTarget,
  github: GitHubTestServer,
  journal: JournalServer,
  killer: RunnerKiller,
  profile: ChaosProfile,
  seed: number,
  rng: Rng,
): Promise<{ text: string; ok: boolean }> {
  const say = (line: string) => process.stdout.write(`chaos ${target.name}: ${line}\n`);
  const replicas = schedulerReplicas((n) => target.startScheduler(n), target.leaderLog);
  replicas.ensure(2);
  await eventually(
    () => replicas.alive().some((p) => p.logs.some((l) => l.msg === 'polled')),
    'a scheduler replica polled',
    60_000,
  );

  const githubChaos = startGitHubChaos(
    github,
    rng.fork('github'),
    target.repos,
    profile.githubFaultEveryMs,
  );
  const platformChaos = target.startPlatformChaos?.(rng.fork('platform'));
  const producing = produceEvents(github, rng.fork('events'), {
    repos: target.repos,
    count: profile.events,
    gapMs: profile.eventGapMs,
    lateChance: 0.15,
    unwantedChance: 0.1,
  });
  const killRng = rng.fork('kills');
  const killed = { leader: 0, standby: 0 };
  for (let i = 0; i < profile.restarts; i++) {
    await sleep(killRng.int(profile.killGapMs[0], profile.killGapMs[1]));
    // Let a leader emerge (a Lease expires first) so that killing it is a real take-over.
    await eventually(() => replicas.leader(), 'a leader', 20_000).catch(() => undefined);
    killed[await replicas.killOne(killRng, 0.75)] += 1;
    replicas.ensure(2);
  }
  const produced = await producing;
  say(
    `${profile.restarts} scheduler SIGKILLs (${killed.leader} of the leader), ${produced.wanted.length} events wanted (${produced.late} late), ${produced.unwanted.length} unwanted`,
  );
  githubChaos.stop();
  platformChaos?.stop();
  const faults = { ...githubChaos.counts, ...(platformChaos?.counts ?? {}) };
  say(
    `faults: GitHub ${JSON.stringify(githubChaos.counts)}, platform ${JSON.stringify(platformChaos?.counts ?? {})}`,
  );

  // Settle: every wanted event handled (or the time is up: the checkers say what is missing).
  const settleStart = Date.now();
  let stored: StoredRecord[] = [];
  for (;;) {
    stored = await target.listStored();
    const handled = new Set(stored.filter((s) => s.status === 'handled').map((s) => s.id));
    if (produced.wanted.every((w) => handled.has(w.id))) break;
    if (Date.now() - settleStart > profile.settleMs) {
      say(`not settled after ${profile.settleMs} ms`);
      break;
    }
    await sleep(2000);
  }
  killer.stop();
  say(`settled in ${Date.now() - settleStart} ms`);

  // Idle: no event in flight; a poll every second is all a scheduler should do.
  const idle: IdleSample[] = [];
  const alive = replicas.alive();
  const before = alive.map((p) => processCpuMs(p.child.pid!));
  const idleStart = Date.now();
  await sleep(profile.idleWindowMs);
  alive.forEach((p, i) => {
    const role = p === replicas.leader() ? 'leader' : 'standby';
    idle.push({
      process: `${role} pid ${p.child.pid}`,
      cpuMs: processCpuMs(p.child.pid!) - before[i]!,
      wallMs: Date.now() - idleStart,
    });
  });
  stored = await target.listStored();
  await replicas.stopAll();

  const places: Place[] = [];
  for (const repo of target.repos) {
    for (const c of github.commitComments(repo))
      places.push({ where: `comment ${c.id} on ${repo}`, text: c.body });
  }
  for (const w of produced.wanted) {
    const sha = BigInt(w.id).toString(16).padStart(40, 'a');
    for (const s of github.statuses(w.repo, sha))
      places.push({ where: `status of ${w.id}`, text: JSON.stringify(s), event: w.id });
  }
  replicas.all.forEach((p, i) =>
    places.push({
      where: `log of scheduler ${i + 1}`,
      text: p.logs.map((l) => JSON.stringify(l)).join('\n'),
    }),
  );
  places.push(...(await target.places()));

  const results = [
    checkNothingLost(produced.wanted, stored),
    checkCompletedOnce(journal.entries, produced.wanted, HANDLERS),
    checkBlockingOrder(journal.entries, stored),
    checkOneRunPerAttempt(await target.runs(journal.entries)),
    checkNoSecret(target.secrets, places),
    checkIdleCpu(idle, 0.1),
  ];
  if (replicas.exits.length)
    say(
      `${replicas.exits.length} replicas exited on their own (restarted): ${replicas.exits.map((e) => `#${e.replica} code ${e.code}: ${e.last}`).join('; ')}`,
    );
  const replay = `npm run test:reliability -- --seed ${seed}${profile.name === 'short' ? ' --short' : ''}`;
  const report = formatReport(target.name, seed, results, replay);
  let artefacts = '';
  if (!report.ok || replicas.exits.length) {
    // What a person needs to read a failure, or a replica's own exit: the journal and the logs.
    const dir = tempDir('quickcd-chaos-run-');
    writeFileSync(join(dir, 'journal.json'), JSON.stringify(journal.entries, null, 1));
    writeFileSync(join(dir, 'stored.json'), JSON.stringify(stored, null, 1));
    replicas.all.forEach((p, i) =>
      writeFileSync(
        join(dir, `scheduler-${i + 1}.log`),
        p.logs.map((l) => JSON.stringify(l)).join('\n'),
      ),
    );
    artefacts = `\n  journal, stored events and scheduler logs in ${dir}`;
  }
  const totals = Object.values(faults).reduce((a, b) => a + b, 0);
  return {
    ok: report.ok,
    text: `${report.text}\n  (${replicas.all.length} scheduler processes, ${profile.restarts} SIGKILLs: ${killed.leader} leader, ${killed.standby} standby; ${killer.kills} runners killed; ${totals} faults injected; ${replicas.exits.length} replicas exited on their own and were restarted)${artefacts}`,
  };
}
