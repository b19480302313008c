import { callerLogin } from './comment-body.js';
import { notFound } from './http-util.js';
import { coreRate } from './rate-limit.js';
import type { Route } from './router.js';
import { findRepo, makeUser, repoApiUrl, repoHtmlUrl } from './state.js';
import type { Permission } from './types.js';

const PERMISSION_FLAGS: Record<Permission, Record<string, boolean>> = {
  admin: { admin: true, maintain: true, push: true, triage: true, pull: true },
  write: { admin: false, maintain: false, push: true, triage: true, pull: true },
  read: { admin: false, maintain: false, push: false, triage: false, pull: true },
  none: { admin: false, maintain: false, push: false, triage: false, pull: false },
};

/** `GET /rate_limit` (free), `GET /user`, `GET /repos/{o}/{r}`, collaborator permission. */
export const repoRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/rate_limit',
    access: 'public',
    handler: ({ state }) => {
      const core = coreRate(state);
      const reset = core.reset;
      const other = (limit: number, resource: string) => ({
        limit,
        used: 0,
        remaining: limit,
        reset,
        resource,
      });
      return {
        status: 200,
        body: {
          resources: { core, search: other(30, 'search'), graphql: other(5000, 'graphql') },
          rate: core,
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: '/user',
    access: 'user',
    handler: ({ state, caller }) => ({ status: 200, body: makeUser(state, callerLogin(caller)) }),
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo',
    access: 'public',
    handler: ({ state, params }) => {
      const repo = findRepo(state, `${params.owner}/${params.repo}`);
      if (!repo) return notFound();
      return {
        status: 200,
        body: {
          id: repo.id,
          node_id: `R_kgDO${Buffer.from(String(repo.id)).toString('base64url')}`,
          name: repo.name,
          full_name: repo.fullName,
          owner: makeUser(state, repo.owner),
          private: false,
          html_url: repoHtmlUrl(state, repo),
          url: repoApiUrl(state, repo),
          default_branch: 'main',
          visibility: 'public',
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/collaborators/:username/permission',
    access: 'user',
    handler: ({ state, params }) => {
      const repo = findRepo(state, `${params.owner}/${params.repo}`);
      const login = params.username ?? '';
      if (!repo) return notFound();
      const isOwner = login.toLowerCase() === repo.owner.toLowerCase();
      const permission: Permission = isOwner
        ? 'admin'
        : (repo.collaborators.get(login.toLowerCase()) ?? 'none');
      return {
        status: 200,
        body: {
          permission,
          role_name: permission,
          user: {
            ...makeUser(state, login),
            permissions: PERMISSION_FLAGS[permission],
            role_name: permission,
          },
        },
      };
    },
  },
];
