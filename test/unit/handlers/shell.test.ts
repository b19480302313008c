import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandError } from '../../../handlers/command-error.js';
import {
  createShell,
  OUTPUT_HEAD_CHARS,
  OUTPUT_TAIL_CHARS,
  type CommandResult,
} from '../../../handlers/shell.js';
import { shellQuote } from '../../../handlers/shell-quote.js';

const dir = () => mkdtempSync(join(tmpdir(), 'quickcd-shell-'));

describe('shellQuote', () => {
  it('keeps plain words and quotes everything else as one word', () => {
    expect(shellQuote('refs/heads/main')).toBe('refs/heads/main');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote(['a b', 'c'])).toBe(`'a b' c`);
    expect(shellQuote('')).toBe(`''`);
  });
});

describe('sh', () => {
  it('makes interpolated values harmless: a branch named x$(touch …) is just a string', async () => {
    const cwd = dir();
    const pwned = join(cwd, 'pwned');
    const sh = createShell({ cwd });
    const branch = `x$(touch ${pwned})\`touch ${pwned}\`;touch ${pwned}`;
    expect(await sh`echo ${branch}`).toBe(branch);
    expect(existsSync(pwned)).toBe(false);
  });

  it('returns trimmed stdout, runs in cwd, and streams output as it runs', async () => {
    const cwd = dir();
    const chunks: string[] = [];
    const sh = createShell({ cwd }, { output: (c) => chunks.push(c) });
    expect(await sh`echo "  hi  "; pwd`).toBe(`hi  \n${cwd}`);
    expect(chunks.join('')).toContain('hi');
  });

  it('throws a CommandError with exit code, stdout and stderr', async () => {
    const sh = createShell({ cwd: dir() });
    const error = await sh`echo out; echo err >&2; exit 3`.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    const e = error as CommandError;
    expect([e.exitCode, e.stdout, e.stderr, e.code]).toEqual([
      3,
      'out\n',
      'err\n',
      'COMMAND_FAILED',
    ]);
    expect(e.message).toMatch(/exited with code 3/);
  });

  it('kills the whole process group on timeout', async () => {
    const cwd = dir();
    const sh = createShell({ cwd, timeoutSeconds: 1 });
    const started = Date.now();
    // A grandchild that would write a file after 3 s if it survived the timeout.
    const error = await sh`(sleep 3; touch survived) & sleep 30`.catch((e: unknown) => e);
    expect((error as CommandError).timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 3500));
    expect(existsSync(join(cwd, 'survived'))).toBe(false);
  });

  it('aborts running commands when the signal aborts', async () => {
    const controller = new AbortController();
    const sh = createShell({ cwd: dir() }, { signal: controller.signal });
    const running = sh`sleep 30`.catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 200);
    const error = (await running) as CommandError;
    expect(error).toBeInstanceOf(CommandError);
    expect(error.signal).toBe('SIGTERM');
  });
});

describe('sh: bounded output (issue 11)', () => {
  it('keeps a bounded head and tail of what a command prints; the full output still streams', async () => {
    let streamed = 0;
    const results: CommandResult[] = [];
    const sh = createShell(
      { cwd: dir() },
      { output: (c) => (streamed += c.length), onEnd: (r) => void results.push(r) },
    );
    await sh`head -c 3000000 /dev/zero | tr '\\0' a; echo; echo END`;
    expect(streamed).toBe(3_000_005);
    const kept = results[0]!.stdout;
    expect(kept.length).toBeLessThan(OUTPUT_HEAD_CHARS + OUTPUT_TAIL_CHARS + 100);
    // The tail's first line, cut, is left out: what is kept ends in whole lines.
    expect(kept).toMatch(/^a{65536}\n… \d+ characters of output omitted …\nEND\n$/);
  });

  it('never shows half of a line the cut falls in: a secret in it stays whole or unseen', async () => {
    const secret = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
    const results: CommandResult[] = [];
    const sh = createShell({ cwd: dir() }, { onEnd: (r) => void results.push(r) });
    // The kept tail (the last 256 Ki characters) begins 10 characters into the secret's line.
    const after = OUTPUT_TAIL_CHARS - (secret.length - 10) - 1;
    const error = (await sh(
      `{ head -c 70000 /dev/zero | tr '\\0' x; echo; echo "$S"; head -c ${after} /dev/zero | tr '\\0' y; } >&2; exit 1`,
      { env: { PATH: process.env.PATH, S: secret } },
    ).catch((e: unknown) => e)) as CommandError;
    expect(error).toBeInstanceOf(CommandError);
    for (const text of [error.message, error.stderr, String(error.stack)]) {
      expect(text).not.toContain(secret.slice(10, 20));
    }
    expect(results[0]!.stderr).toMatch(/^x{65536}\n… \d+ characters of output omitted …\ny+$/);
  });

  it('rejects, clearly, when stdout passes what sh returns; the command still ran to its end', async () => {
    let streamed = 0;
    const sh = createShell({ cwd: dir() }, { output: (c) => (streamed += c.length) });
    const error = await sh('head -c 5000 /dev/zero | tr "\\0" b', { maxStdoutChars: 1000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).outputTooLarge).toBe(true);
    expect((error as CommandError).exitCode).toBe(0);
    expect((error as Error).message).toContain('more than the 1000 characters of stdout');
    expect(streamed).toBe(5000);
    expect(await sh('head -c 1000 /dev/zero | tr "\\0" b', { maxStdoutChars: 1000 })).toBe(
      'b'.repeat(1000),
    );
  });
});
