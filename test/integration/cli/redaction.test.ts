import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

/** Redaction through the real runner and scheduler (issue 11). */
const SECRET = 'It\'s-a-S3cret&<pass>"42';
const KEY =
  '-----BEGIN KEY-----\nMIIEowIBAAKCAQEAu1SU1L7VLPHCgcBIjM\nQ2cE4fK9xZQeR0bAbcDeFgHiJk\n-----END KEY-----\n';
const fragments = ['S3cret', 'MIIEowIB', 'Q2cE4fK9', 'hunter2'];

const handlers = `import { on } from 'quickcd';
const secret = process.env.DEPLOY_KEY!;
on('PushEvent', async () => {}, { name: 'picky', filter: () => { throw new Error('bad ' + secret); } });
on('PushEvent', async (p, ctx) => {
  const log = ctx.commitLogger(p.head);
  const sh = ctx.loggingShell(log);
  process.stdout.write('split: ' + secret.slice(0, 5));
  process.stdout.write(secret.slice(5) + '\\n');
  await sh\`echo \${secret}\`;
  await sh\`printf %s "$KEY_FILE" | while IFS= read -r line; do echo "line $line"; done\`;
  await sh\`printf '%s' \${secret} | base64 -w0; echo\`;
  await sh\`printf 'x:%s' \${secret} | base64 -w0 | tr '+/' '-_'; echo\`;
  await sh\`node -e "process.stdout.write('a'.repeat(70000)); process.stdout.write(process.argv[1])" \${secret}\`;
  console.log(JSON.stringify({ secret }));
  console.log(encodeURIComponent(secret));
  await sh\`false \${secret}\`;
}, { name: 'leaky' });
`;

describe('redaction in every form', () => {
  it('keeps secrets out of stdout, logs, comments, the result file and errors', async () => {
    const f = writeFiles({
      'handlers.ts': handlers,
      'event.json': JSON.stringify(
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '901' }),
      ),
    });
    const result = f.path('result.json');
    const r = await runCli(
      [
        'runner',
        '--event',
        f.path('event.json'),
        '--handlers',
        f.path('handlers.ts'),
        '--result',
        result,
        '--reporter',
        'console',
        '--log-level',
        'debug',
      ],
      { env: { DEPLOY_KEY: SECRET, KEY_FILE: KEY, QUICKCD_SECRET_ENV: 'DEPLOY_KEY,KEY_FILE' } },
    );
    expect(r.code).toBe(1);
    const file = readFileSync(result, 'utf8');
    expect(r.stdout).toContain('split: ***');
    expect(r.stdout).toContain('line ***');
    expect(file).toContain('bad ***');
    for (const text of [r.stdout, r.stderr, file]) {
      for (const fragment of fragments) expect(text).not.toContain(fragment);
    }
    // base64 of the secret: nothing of it decodes back.
    for (const word of r.stdout.split(/[^A-Za-z0-9+/_-]+/).filter((w) => w.length >= 12)) {
      const decoded = Buffer.from(word.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString(
        'latin1',
      );
      expect(decoded).not.toContain('S3cret');
    }
  });

  it('redacts URL credentials and secrets in a handlers-file load error, runner and scheduler', async () => {
    const f = writeFiles({
      'handlers.ts': `throw new Error('cannot fetch https://deploy:hunter2@git.example.com/x.git with ' + process.env.DEPLOY_KEY);\n`,
      'event.json': JSON.stringify(
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '902' }),
      ),
    });
    const env = { DEPLOY_KEY: SECRET, QUICKCD_SECRET_ENV: 'DEPLOY_KEY' };
    const runner = await runCli(
      [
        'runner',
        '--event',
        f.path('event.json'),
        '--handlers',
        f.path('handlers.ts'),
        '--reporter',
        'console',
      ],
      { env },
    );
    const scheduler = await runCli(
      [
        'scheduler',
        '--handlers',
        f.path('handlers.ts'),
        '--repo',
        'acme/webapp',
        '--store',
        'file',
        '--executor',
        'local',
      ],
      {
        env: {
          ...env,
          QUICKCD_GITHUB_TOKEN: 'ghp_loadErrorToken',
          QUICKCD_STATE_DIR: f.path('state'),
        },
      },
    );
    for (const r of [runner, scheduler]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('https://deploy:***@git.example.com/x.git');
      for (const fragment of fragments) expect(r.stderr).not.toContain(fragment);
    }
  });
});
