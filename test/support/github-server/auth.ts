import type { ServerState } from './state.js';

/** Who a request is from, by its `Authorization` header. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'invalid' }
  | { kind: 'user'; login: string }
  | { kind: 'installation'; login: string; installationId: string }
  | { kind: 'jwt'; jwt: string };

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Reads `Authorization: token X` / `Bearer X` (scheme case-insensitive, as GitHub): the
 * server's token, a live installation token, or a JWT (checked by the app routes).
 */
export function identify(state: ServerState, header: string | undefined): Caller {
  if (header === undefined || header.trim() === '') return { kind: 'anonymous' };
  const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
  const credential = match?.[1];
  if (!credential) return { kind: 'invalid' };
  if (credential === state.token) return { kind: 'user', login: state.login };
  const installation = state.installationTokens.get(credential);
  if (installation) {
    if (installation.expiresAt <= Date.now()) return { kind: 'invalid' };
    return {
      kind: 'installation',
      login: `app-${installation.appId}[bot]`,
      installationId: installation.installationId,
    };
  }
  if (JWT.test(credential)) return { kind: 'jwt', jwt: credential };
  return { kind: 'invalid' };
}
