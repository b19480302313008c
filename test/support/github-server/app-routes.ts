import { randomBytes } from 'node:crypto';
import { notFound, objectBody, timestamp } from './http-util.js';
import type { Route, RouteContext } from './router.js';
import { makeUser, type AppRecord, type ServerState } from './state.js';

const PERMISSIONS = {
  contents: 'read',
  issues: 'write',
  metadata: 'read',
  pull_requests: 'write',
  statuses: 'write',
};

/**
 * The installation `installationId` of app `appId`: the registered one, or (when that app was
 * never registered) an ad-hoc installation on account `acme`.
 */
function installation(
  state: ServerState,
  appId: string,
  installationId: string,
): AppRecord | undefined {
  const registered = state.apps.get(installationId);
  if (registered) return registered.appId === appId ? registered : undefined;
  if ([...state.apps.values()].some((a) => a.appId === appId)) return undefined;
  return adHoc(appId, installationId, 'acme');
}

function adHoc(appId: string, installationId: string, account: string): AppRecord {
  return { appId, installationId, account, publicKeyPem: '', tokenTtlSeconds: 3600 };
}

function installationObject(state: ServerState, app: AppRecord): Record<string, unknown> {
  const base = state.baseUrl;
  const account = { ...makeUser(state, app.account), type: 'Organization' };
  return {
    id: Number(app.installationId),
    account,
    repository_selection: 'all',
    access_tokens_url: `${base}/app/installations/${app.installationId}/access_tokens`,
    repositories_url: `${base}/installation/repositories`,
    html_url: `${base}/organizations/${app.account}/settings/installations/${app.installationId}`,
    app_id: Number(app.appId),
    app_slug: `app-${app.appId}`,
    target_id: account.id,
    target_type: 'Organization',
    permissions: PERMISSIONS,
    events: ['push', 'pull_request', 'issue_comment', 'commit_comment'],
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    single_file_name: null,
    suspended_at: null,
    suspended_by: null,
  };
}

const appIdOf = (ctx: RouteContext): string => ctx.appId ?? '';

/**
 * GitHub App endpoints (JWT only): installation access tokens (`ghs_…`, valid for the app's
 * `tokenTtlSeconds`, then 401), the installation, a repository's installation, the app.
 */
export const appRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/app/installations/:id/access_tokens',
    access: 'app',
    handler: (ctx) => {
      const app = installation(ctx.state, appIdOf(ctx), ctx.params.id ?? '');
      if (!app) return notFound();
      const token = `ghs_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`;
      const expiresAt = Date.now() + app.tokenTtlSeconds * 1000;
      ctx.state.installationTokens.set(token, {
        installationId: app.installationId,
        appId: app.appId,
        expiresAt,
      });
      const requested = objectBody(objectBody(ctx.body)?.permissions);
      return {
        status: 201,
        body: {
          token,
          expires_at: timestamp(new Date(expiresAt)),
          permissions: requested ?? PERMISSIONS,
          repository_selection: 'all',
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: '/app/installations/:id',
    access: 'app',
    handler: (ctx) => {
      const app = installation(ctx.state, appIdOf(ctx), ctx.params.id ?? '');
      return app ? { status: 200, body: installationObject(ctx.state, app) } : notFound();
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/installation',
    access: 'app',
    handler: (ctx) => {
      const appId = appIdOf(ctx);
      const owner = (ctx.params.owner ?? '').toLowerCase();
      const registered = [...ctx.state.apps.values()].filter((a) => a.appId === appId);
      const app =
        registered.length === 0
          ? adHoc(appId, '1', ctx.params.owner ?? 'acme')
          : registered.find((a) => a.account.toLowerCase() === owner);
      return app ? { status: 200, body: installationObject(ctx.state, app) } : notFound();
    },
  },
  {
    method: 'GET',
    pattern: '/app',
    access: 'app',
    handler: (ctx) => ({
      status: 200,
      body: {
        id: Number(appIdOf(ctx)),
        slug: `app-${appIdOf(ctx)}`,
        name: `App ${appIdOf(ctx)}`,
        owner: makeUser(ctx.state, 'acme'),
        permissions: PERMISSIONS,
        events: [],
      },
    }),
  },
];
