// Kubernetes Events (events.k8s.io/v1) on event ConfigMaps, against the real API server, read
// back with kubectl; the rate limit bounds what is sent.
import { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKubeEventRecorder } from '../../../scheduler/kubernetes/record-kube-event.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { createManualClock } from '../../support/manual-clock.js';

const namespace = 'kube-events';
const log = pino({ level: 'silent' });
let cluster: TestCluster;

const configMap = async (name: string) =>
  cluster.admin
    .makeApiClient(CoreV1Api)
    .createNamespacedConfigMap({ namespace, body: { metadata: { name } } });
const kubectl = async (...args: string[]) => {
  const out = await cluster.kubectl(['-n', namespace, ...args]);
  expect(out.code, out.stderr).toBe(0);
  return out.stdout;
};

describeCluster('Kubernetes Events on event ConfigMaps', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.createNamespace(namespace);
  }, 120_000);
  afterAll(async () => cluster?.stop());

  it('kubectl describe configmap and kubectl get events tell the story; secrets redacted', async () => {
    await configMap('quickcd-acme-webapp-101');
    const recorder = createKubeEventRecorder({
      kubeConfig: cluster.admin,
      namespace,
      identity: 'scheduler-0',
      log,
      clock: createManualClock(),
      redact: (t) => t.replaceAll('s3cret', '***'),
    });
    recorder.record({
      configMap: 'quickcd-acme-webapp-101',
      type: 'Normal',
      reason: 'Launched',
      action: 'Launch',
      note: 'launched blocking run quickcd-acme-webapp-101-b1 (attempt 1)',
    });
    recorder.record({
      configMap: 'quickcd-acme-webapp-101',
      type: 'Warning',
      reason: 'Failed',
      action: 'Run',
      note: 'blocking handlers failed: token s3cret rejected',
    });
    await recorder.flush();
    const described = await kubectl('describe', 'configmap', 'quickcd-acme-webapp-101');
    expect(described).toMatch(
      /Normal\s+Launched\s+.*quickcd\.dev\/scheduler\s+launched blocking run/,
    );
    expect(described).toMatch(/Warning\s+Failed\s+.*token \*\*\* rejected/);
    expect(described).not.toContain('s3cret');
    const listed = await kubectl(
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=quickcd-acme-webapp-101',
      '-o',
      'jsonpath={range .items[*]}{.reason}{" "}{.source.component}{" "}{.reportingComponent}{"\\n"}{end}',
    );
    expect(listed.trim().split('\n').sort()).toEqual([
      'Failed  quickcd.dev/scheduler',
      'Launched  quickcd.dev/scheduler',
    ]);
  });

  it('is rate-limited: a burst, then one per refill interval; a repeat within a minute is dropped', async () => {
    const clock = createManualClock();
    const recorder = createKubeEventRecorder({
      kubeConfig: cluster.admin,
      namespace,
      identity: 'scheduler-0',
      log,
      clock,
      burst: 3,
      refillMs: 6000,
    });
    await configMap('flood');
    const send = (i: number) =>
      recorder.record({
        configMap: 'flood',
        type: 'Warning',
        reason: `Crash${i}`,
        action: 'Run',
        note: `crash ${i}`,
      });
    for (let i = 0; i < 10; i++) send(i);
    await recorder.flush();
    expect(recorder.dropped).toBe(7);
    clock.advance(6000);
    send(10);
    send(11);
    send(10); // the same reason again: dropped
    clock.advance(6000);
    send(10); // still within a minute of the first
    await recorder.flush();
    expect(recorder.dropped).toBe(10);
    const reasons = await kubectl(
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=flood',
      '-o',
      'jsonpath={range .items[*]}{.reason}{"\\n"}{end}',
    );
    expect(reasons.trim().split('\n').sort()).toEqual(['Crash0', 'Crash1', 'Crash10', 'Crash2']);
  });
});
