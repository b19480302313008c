import type { SchedulerProcess } from '../../support/scheduler-process.js';
import type { Rng } from './create-rng.js';

/** Scheduler replicas run as real processes, killed with SIGKILL and started again. */
export interface SchedulerReplicas {
  /** Every process started, the dead ones included (their logs are checked for secrets). */
  readonly all: SchedulerProcess[];
  /** Replicas that exited without being killed: exit code and last log line. */
  readonly exits: { replica: number; code: number | null; last: string }[];
  readonly alive: () => SchedulerProcess[];
  /** The live replica that logged taking the leadership, if one did. */
  leader(): SchedulerProcess | undefined;
  /** Starts replicas until `count` are alive. */
  ensure(count: number): void;
  /** Kills the leader (or, with `leaderChance` missed, another replica) with SIGKILL. */
  killOne(rng: Rng, leaderChance: number): Promise<'leader' | 'standby'>;
  stopAll(signal?: NodeJS.Signals): Promise<void>;
}

const isAlive = (p: SchedulerProcess) => p.child.exitCode === null && p.child.signalCode === null;

/**
 * `start(n)` starts the n-th replica; `leaderLog` is the message a replica logs when it takes
 * the leadership (the file store's lock, or the Kubernetes Lease).
 */
export function schedulerReplicas(
  start: (n: number) => SchedulerProcess,
  leaderLog: string,
): SchedulerReplicas {
  const all: SchedulerProcess[] = [];
  const killed = new Set<SchedulerProcess>();
  const exits: SchedulerReplicas['exits'] = [];
  let stopping = false;
  let wanted = 0;
  const ensure = (count: number) => {
    wanted = count;
    while (alive().length < count) {
      const n = all.length + 1;
      const p = start(n);
      all.push(p);
      // A replica that exits on its own is restarted, as Kubernetes restarts a Pod.
      void p.exited.then((code) => {
        if (killed.has(p) || stopping) return;
        const last =
          p.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('quickcd scheduler:')) ??
          p.logs.filter((l) => typeof l.level === 'number' && l.level >= 50).at(-1) ??
          p.logs.at(-1);
        exits.push({ replica: n, code, last: JSON.stringify(last ?? {}).slice(0, 400) });
        ensure(wanted);
      });
    }
  };
  const alive = () => all.filter(isAlive);
  const leader = () => alive().find((p) => p.logs.some((l) => l.msg === leaderLog));
  return {
    all,
    exits,
    alive,
    leader,
    ensure,
    async killOne(rng, leaderChance) {
      const lead = leader();
      const others = alive().filter((p) => p !== lead);
      const target =
        lead && (others.length === 0 || rng.chance(leaderChance))
          ? lead
          : others.length
            ? rng.pick(others)
            : undefined;
      if (!target) throw new Error('no scheduler replica alive to kill');
      killed.add(target);
      await target.stop('SIGKILL');
      return target === lead ? 'leader' : 'standby';
    },
    async stopAll(signal = 'SIGKILL') {
      stopping = true;
      await Promise.all(alive().map((p) => p.stop(signal)));
    },
  };
}
