import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startGitHubServer, type StartGitHubServerOptions } from './server.js';
import type { NewEvent } from './types.js';

const USAGE =
  'usage: standalone [--port N] [--host H] [--token T] [--poll-interval S] ' +
  '[--events <file.json> --repo owner/name]\n';

function fail(message: string): void {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exitCode = 2;
}

function integer(name: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > max)
    throw new RangeError(`--${name}: expected an integer 0-${max}, got ${value}`);
  return n;
}

/**
 * Runs the GitHub API test server until SIGTERM/SIGINT. `--events <file.json>` preloads the
 * events of a `GET /repos/{o}/{r}/events` response (ids, actors and times kept) into
 * `--repo owner/name`. Once ready prints `GitHub API test server listening on <url>`, then the
 * token, the variables to export for quickcd and the admin endpoints (`admin-routes.ts`).
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  let options: StartGitHubServerOptions;
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
        'poll-interval': { type: 'string' },
        events: { type: 'string' },
        repo: { type: 'string' },
      },
    }));
    const port = integer('port', values.port, 65535);
    const pollInterval = integer('poll-interval', values['poll-interval'], 86400);
    options = {
      ...(port === undefined ? {} : { port }),
      ...(pollInterval === undefined ? {} : { pollInterval }),
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(values.token === undefined ? {} : { token: values.token }),
    };
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  if ((values.events === undefined) !== (values.repo === undefined))
    return fail('--events and --repo go together');
  let events: NewEvent[] = [];
  if (values.events !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(values.events, 'utf8'));
    } catch (error) {
      return fail(`--events: cannot read ${values.events}: ${String(error)}`);
    }
    if (!Array.isArray(parsed))
      return fail(`--events: expected a JSON array of events, got ${typeof parsed}`);
    events = parsed as NewEvent[];
  }
  const server = await startGitHubServer(options);
  if (values.repo !== undefined)
    for (const event of [...events].reverse()) server.addEvent(values.repo, event);
  process.stdout.write(
    [
      `GitHub API test server listening on ${server.url}`,
      `token: ${server.token}`,
      `export QUICKCD_GITHUB_URL=${server.url} QUICKCD_GITHUB_TOKEN=${server.token}`,
      `admin (same token): POST ${server.url}/_admin/repos/{owner}/{repo}/events, ` +
        '…/commits/{sha}/comments, …/issues/{number}/comments; POST|DELETE /_admin/faults ' +
        '(README: "The GitHub API test server by hand")',
      '',
    ].join('\n'),
  );
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
