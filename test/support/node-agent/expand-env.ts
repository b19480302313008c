/** Kubernetes `$(VAR)` expansion (`$$` escapes a `$`); unknown references stay as written. */
export function expandEnv(s: string, env: Readonly<Record<string, string>>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) => {
    if (all === '$$') return '$';
    return name !== undefined && Object.hasOwn(env, name) ? (env[name] ?? '') : all;
  });
}
