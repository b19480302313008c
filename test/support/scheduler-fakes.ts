import { parseEvent, type GitHubEvent } from '../../handlers/event.js';
import type { EventSource } from '../../scheduler/ports/event-source.js';
import type {
  Executor,
  LaunchSpec,
  Observation,
  RunOutcome,
} from '../../scheduler/ports/executor.js';

export interface Run {
  readonly spec: LaunchSpec;
  readonly name: string;
  finish(outcome: 'ok' | 'fail' | RunOutcome): void;
}

/** An executor whose runs end when the test says so; launches are recorded. */
export function fakeExecutor() {
  const runs: Run[] = [];
  const outcomes = new Map<string, RunOutcome | undefined>();
  const listeners = new Set<() => void>();
  const nameOf = (s: LaunchSpec) => `${s.event.repo}#${s.event.id}#${s.lane}#${s.attempt}`;
  const executor: Executor = {
    async launch(spec) {
      const name = nameOf(spec);
      if (outcomes.has(name)) return { name, adopted: true };
      outcomes.set(name, undefined);
      runs.push({
        spec,
        name,
        finish: (o) => {
          const handlers = Object.entries(spec.event.handlers)
            .filter(([n, h]) => h.lane === spec.lane && !spec.completed.includes(n))
            .map(([n]) => n);
          const outcome: RunOutcome =
            typeof o === 'object'
              ? o
              : {
                  ok: o === 'ok',
                  results: handlers.map((n) => ({
                    name: n,
                    lane: spec.lane,
                    ok: o === 'ok',
                    durationMs: 5,
                    ...(o === 'ok' ? {} : { error: 'exit 1' }),
                  })),
                };
          outcomes.set(name, outcome);
          for (const listener of [...listeners]) listener();
        },
      });
      return { name, adopted: false };
    },
    async observe(spec): Promise<Observation> {
      const name = nameOf(spec);
      if (!outcomes.has(name)) return { state: 'absent' };
      const outcome = outcomes.get(name);
      return outcome ? { state: 'finished', name, outcome } : { state: 'running', name };
    },
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
  const running = () => runs.filter((r) => !finished.has(r.name));
  const finished = new Set<string>();
  const finish = (run: Run, o: 'ok' | 'fail' | RunOutcome) => {
    finished.add(run.name);
    run.finish(o);
  };
  return { executor, runs, running, finish };
}

/** An event source the test feeds: each poll hands out what was queued for the repository. */
export function queuedSource() {
  const queued = new Map<string, GitHubEvent[]>();
  const source: EventSource = {
    async poll(repo, cursor) {
      const events = queued.get(repo) ?? [];
      queued.set(repo, []);
      const seen = [...(cursor?.seen ?? []), ...events.map((e) => e.id)];
      return { events, late: new Set(), cursor: { pageEtags: {}, seen }, nextPollSeconds: 60 };
    },
  };
  const push = (...events: Record<string, unknown>[]) => {
    for (const raw of events) {
      const event = parseEvent(raw);
      queued.set(event.repo.name, [...(queued.get(event.repo.name) ?? []), event]);
    }
  };
  /** Events delivered in `repo`'s feed whatever they name. */
  const pushInto = (repo: string, ...events: Record<string, unknown>[]) => {
    queued.set(repo, [...(queued.get(repo) ?? []), ...events.map((raw) => parseEvent(raw))]);
  };
  return { source, push, pushInto };
}
