import { describe, expect, it } from 'vitest';
import {
  LABEL,
  cursorConfigMapName,
  dnsSafe,
  eventConfigMapName,
  handlersConfigMapName,
  labelValue,
  jobName,
  repoLabel,
} from '../../../../scheduler/kubernetes/names.js';

// Kubernetes' own validation regexes.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const longRepo = `${'Org-With_Many.Chars'.repeat(3)}/${'repo.name_'.repeat(30)}`;
const repos = [
  'acme/webapp',
  'Acme/Web_App.js',
  'a/b',
  '-x-/_y_',
  longRepo,
  `${'o'.repeat(39)}/${'r'.repeat(100)}`,
];
const id = '45123456789';

describe('Kubernetes names', () => {
  it('keeps the documented short forms', () => {
    expect(eventConfigMapName('acme/webapp', id)).toBe(`quickcd-acme-webapp-${id}`);
    expect(cursorConfigMapName('acme/webapp')).toBe('quickcd-acme-webapp-cursor');
    expect(repoLabel('acme/webapp')).toBe('acme.webapp');
    expect(jobName('acme/webapp', id, 'blocking', 1)).toBe(`quickcd-acme-webapp-${id}-b1`);
    expect(jobName('acme/webapp', id, 'nonblocking', 12)).toBe(`quickcd-acme-webapp-${id}-n12`);
    expect(dnsSafe('--Web_App.JS--')).toBe('web-app-js');
  });

  it.each(repos)('produces valid names and labels for %s', (repo) => {
    const event = eventConfigMapName(repo, id);
    expect(event.length).toBeLessThanOrEqual(253);
    expect(event).toMatch(DNS1123_SUBDOMAIN);
    expect(event.endsWith(`-${id}`)).toBe(true);
    const cursor = cursorConfigMapName(repo);
    expect(cursor.length).toBeLessThanOrEqual(253);
    expect(cursor).toMatch(DNS1123_SUBDOMAIN);
    const label = repoLabel(repo);
    expect(label.length).toBeLessThanOrEqual(63);
    expect(label).toMatch(LABEL_VALUE);
    expect(label).not.toBe('');
    for (const lane of ['blocking', 'nonblocking'] as const) {
      const job = jobName(repo, id, lane, 999);
      expect(job.length).toBeLessThanOrEqual(63);
      expect(job).toMatch(DNS1123_LABEL);
      expect(job.endsWith(`-${id}-${lane[0]}999`)).toBe(true);
    }
  });

  it('is deterministic, and long names stay distinct through a hash', () => {
    expect(jobName(longRepo, id, 'blocking', 2)).toBe(jobName(longRepo, id, 'blocking', 2));
    expect(eventConfigMapName(longRepo, id)).toBe(eventConfigMapName(longRepo, id));
    const other = `${longRepo}x`;
    expect(jobName(other, id, 'blocking', 2)).not.toBe(jobName(longRepo, id, 'blocking', 2));
    expect(repoLabel(other)).not.toBe(repoLabel(longRepo));
    expect(eventConfigMapName(other, id)).not.toBe(eventConfigMapName(longRepo, id));
    expect(jobName('acme/webapp', id, 'blocking', 1)).not.toBe(
      jobName('acme/webapp', id, 'nonblocking', 1),
    );
  });

  it('addresses the handlers ConfigMap by content and scheduler', () => {
    const a = handlersConfigMapName('on("PushEvent", …)', 'quickcd-scheduler');
    expect(a).toBe(handlersConfigMapName('on("PushEvent", …)', 'quickcd-scheduler'));
    expect(a).not.toBe(handlersConfigMapName('on("PushEvent", …);', 'quickcd-scheduler'));
    // two schedulers in one namespace with the same file: two ConfigMaps, pruned apart
    expect(a).not.toBe(handlersConfigMapName('on("PushEvent", …)', 'other-quickcd'));
    expect(a).toMatch(/^quickcd-handlers-[0-9a-f]{12}$/);
  });

  it('makes any text a label value, long ones shortened with a hash', () => {
    expect(labelValue('quickcd-scheduler')).toBe('quickcd-scheduler');
    const long = `${'a'.repeat(70)}.example`;
    expect(labelValue(long)).toMatch(/^[a-z]{54}-[0-9a-f]{8}$/);
    expect(labelValue(long)).not.toBe(labelValue(`${long}x`));
    expect(labelValue('-x/y-')).toBe('x-y');
  });

  it('uses valid label keys', () => {
    for (const key of Object.values(LABEL)) {
      expect(key).toMatch(LABEL_KEY);
      expect(key.split('/').at(-1)?.length).toBeLessThanOrEqual(63);
    }
  });
});
