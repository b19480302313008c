/**
 * Whether the scheduler can do its job, and if not why: one reason per thing that is wrong
 * (`github:acme/webapp` → "the credentials may not read acme/webapp …"). The scheduler holds
 * it; an HTTP `/readyz` serves {@link Readiness.snapshot}.
 */
export interface Readiness {
  /** Not ready because of `key`, for `reason` (replaces an earlier reason for the same key). */
  set(key: string, reason: string): void;
  /** `key` is fine again. */
  clear(key: string): void;
  snapshot(): ReadinessSnapshot;
}

export interface ReadinessSnapshot {
  readonly ready: boolean;
  /** key → reason, for everything that is wrong now. */
  readonly reasons: Readonly<Record<string, string>>;
}

export function createReadiness(): Readiness {
  const reasons = new Map<string, string>();
  return {
    set: (key, reason) => void reasons.set(key, reason),
    clear: (key) => void reasons.delete(key),
    snapshot: () => ({ ready: reasons.size === 0, reasons: Object.fromEntries(reasons) }),
  };
}
