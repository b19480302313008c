import type { createAppAuth } from '@octokit/auth-app';

type AppAuth = ReturnType<typeof createAppAuth>;

/**
 * `@octokit/auth-app`'s strategy, loaded when the client is made with App credentials and used
 * once loaded: a process with a token (every runner with `QUICKCD_GITHUB_TOKEN`) never loads
 * it (~80 KB of bundle, the JWT and OAuth code, at every run start).
 */
export const lazyAppAuth = ((options: Parameters<typeof createAppAuth>[0]) => {
  const loaded = import('@octokit/auth-app').then((m) => m.createAppAuth(options));
  // A failed load rejects the first request's auth, not the process.
  loaded.catch(() => {});
  const auth = async (...args: Parameters<AppAuth>) => (await loaded)(...args);
  const hook = async (...args: Parameters<AppAuth['hook']>) => (await loaded).hook(...args);
  return Object.assign(auth, { hook });
}) as unknown as typeof createAppAuth;
