import { ApiException } from '@kubernetes/client-node';
import { expect } from 'vitest';

/** The Kubernetes Status body of a failed client-node call (fails the test if it succeeded). */
export async function failureStatus(call: Promise<unknown>): Promise<{
  code: number;
  reason: string;
  message: string;
  details?: {
    name?: string;
    kind?: string;
    causes?: { reason: string; field?: string; message: string }[];
  };
}> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiException);
  const e = error as ApiException<string>;
  const body = JSON.parse(e.body) as {
    kind: string;
    code: number;
    reason: string;
    message: string;
  };
  expect(body.kind).toBe('Status');
  expect(body.code).toBe(e.code);
  return body;
}

/** Polls `check` until it returns a value other than undefined (or times out). */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
