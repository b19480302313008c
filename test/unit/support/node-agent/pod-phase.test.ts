import { describe, expect, it } from 'vitest';
import { podPhase } from '../../../support/node-agent/pod-phase.js';
import type {
  ContainerStatusJson,
  ContainerStateJson,
} from '../../../support/node-agent/status-json.js';

const cs = (
  state: ContainerStateJson,
  lastState: ContainerStateJson = {},
): ContainerStatusJson => ({
  name: 'c',
  image: '',
  imageID: '',
  ready: false,
  started: false,
  restartCount: 0,
  state,
  lastState,
});
const done = (exitCode: number): ContainerStateJson => ({
  terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', startedAt: '', finishedAt: '' },
});
const phase = (restartPolicy: string, containers: ContainerStatusJson[], more = {}) =>
  podPhase({
    restartPolicy,
    initDone: true,
    initFailed: false,
    containers,
    deleted: false,
    ...more,
  });

describe('podPhase (the kubelet getPhase)', () => {
  it('Pending while waiting for a first start or init containers; Running while one runs', () => {
    expect(phase('Never', [cs({ waiting: { reason: 'ContainerCreating' } })])).toBe('Pending');
    expect(phase('Never', [cs({ running: { startedAt: '' } })], { initDone: false })).toBe(
      'Pending',
    );
    expect(phase('Never', [cs({ running: { startedAt: '' } }), cs(done(0))])).toBe('Running');
  });

  it('ends per restartPolicy', () => {
    expect(phase('Never', [cs(done(0))])).toBe('Succeeded');
    expect(phase('Never', [cs(done(0)), cs(done(3))])).toBe('Failed');
    expect(phase('OnFailure', [cs({ waiting: { reason: 'CrashLoopBackOff' } }, done(1))])).toBe(
      'Running',
    );
    expect(phase('Always', [cs({ waiting: { reason: 'CrashLoopBackOff' } }, done(0))])).toBe(
      'Running',
    );
    expect(phase('Never', [cs(done(0))], { initFailed: true })).toBe('Failed');
  });

  it('a deleted Pod ends: Succeeded only when every container exited 0', () => {
    expect(phase('Always', [cs(done(0))], { deleted: true })).toBe('Succeeded');
    expect(phase('Always', [cs(done(143))], { deleted: true })).toBe('Failed');
    expect(
      phase('Never', [cs({ waiting: { reason: 'ContainerCreating' } })], { deleted: true }),
    ).toBe('Failed');
  });
});
