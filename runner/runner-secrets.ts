import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Env } from '../common/config.js';
import { secretValues } from '../common/config.js';
import { tokenForms } from './git-auth-env.js';

/**
 * Every value a runner must never print: the token (and its git basic-auth form), the App key,
 * the variables named by `QUICKCD_SECRET_ENV` and the files of `QUICKCD_SECRET_DIRS`.
 */
export function runnerSecrets(config: Config, env: Env, token = config.githubToken): string[] {
  return [
    ...secretValues(config, env),
    ...config.secretDirs.flatMap(secretFileValues),
    ...(token ? tokenForms(token) : []),
  ];
}

/** Values of the files in a mounted Secret directory (Kubernetes' `..data` links skipped). */
function secretFileValues(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('..'));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    try {
      if (!statSync(path).isFile()) return [];
      const value = readFileSync(path, 'utf8');
      return [value, value.trim()];
    } catch {
      return [];
    }
  });
}
