/** How long and how hard a chaos run goes. */
export interface ChaosProfile {
  readonly name: 'short' | 'full';
  /** Scheduler SIGKILLs (each followed by a restart) per scenario. */
  readonly restarts: number;
  /** Pause before each kill, drawn in [min, max] ms. */
  readonly killGapMs: readonly [number, number];
  readonly events: number;
  readonly eventGapMs: readonly [number, number];
  readonly repos: number;
  /** Chance a handler start gets its runner SIGKILLed (at most once per event). */
  readonly runnerKillChance: number;
  readonly githubFaultEveryMs: readonly [number, number];
  readonly kubeFaultEveryMs: readonly [number, number];
  /** How long each handler holds (the window in which a runner can be killed). */
  readonly holdMs: number;
  /** How long the idle CPU of the schedulers is measured once every event is handled. */
  readonly idleWindowMs: number;
  /** How long the last replicas get to handle every event once the faults stop. */
  readonly settleMs: number;
}

const short: ChaosProfile = {
  name: 'short',
  restarts: 6,
  killGapMs: [1000, 3000],
  events: 18,
  eventGapMs: [100, 1000],
  repos: 2,
  runnerKillChance: 0.2,
  githubFaultEveryMs: [300, 1500],
  kubeFaultEveryMs: [500, 2000],
  holdMs: 600,
  idleWindowMs: 5000,
  settleMs: 150_000,
};

const full: ChaosProfile = {
  ...short,
  name: 'full',
  restarts: 50,
  killGapMs: [1000, 5000],
  events: 150,
  eventGapMs: [100, 2500],
  repos: 3,
  idleWindowMs: 10_000,
  settleMs: 600_000,
};

/** `QUICKCD_CHAOS_PROFILE` = short | full (the default). */
export function chaosProfile(env: NodeJS.ProcessEnv = process.env): ChaosProfile {
  const name = env.QUICKCD_CHAOS_PROFILE ?? 'full';
  if (name === 'short') return short;
  if (name === 'full') return full;
  throw new Error(`QUICKCD_CHAOS_PROFILE: expected short or full, got ${JSON.stringify(name)}`);
}

/** `QUICKCD_CHAOS_SEED`, set by `npm run test:reliability` (which prints it). */
export function chaosSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.QUICKCD_CHAOS_SEED;
  const seed = Number(raw);
  if (raw === undefined || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new Error(
      `QUICKCD_CHAOS_SEED: expected an integer 0…4294967295, got ${JSON.stringify(raw)}; run the suite with npm run test:reliability [-- --seed <n>]`,
    );
  return seed;
}
