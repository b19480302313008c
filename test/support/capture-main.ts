import { main } from '../../cli/main.js';

export interface MainResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `quickcd <argv>` in this process with `env` and captured output. */
export async function captureMain(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<MainResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    env,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  });
  return { code, stdout, stderr };
}
