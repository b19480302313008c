import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleHandlers } from '../../../handlers/bundle-handlers.js';
import { makeEvent, pushPayload, tempDir, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

const events = JSON.stringify([makeEvent('PushEvent', pushPayload('refs/heads/main'))]);

/** A handlers file with its own modules (.ts siblings imported as .js) and a package next to it. */
function multiFileHandlers(ext: '.ts' | '.mjs' = '.ts'): { dir: string; entry: string } {
  const dir = tempDir();
  mkdirSync(join(dir, 'lib'));
  mkdirSync(join(dir, 'node_modules/shout'), { recursive: true });
  writeFileSync(
    join(dir, `handlers${ext}`),
    `import { on } from 'quickcd';
import { deploy as deployTo } from './lib/deploy${ext === '.ts' ? '.js' : '.mjs'}';
import { shout } from 'shout';
on('PushEvent', async function deploy(p, ctx) {
  console.log('HANDLER ' + ctx.handler + ': ' + shout(deployTo(p.ref)));
});
`,
  );
  // A helper of the same name as the handler: the bundler must not rename the handler.
  writeFileSync(
    join(dir, `lib/deploy${ext}`),
    `export function deploy(ref${ext === '.ts' ? ': string' : ''}) { return 'deployed ' + ref; }\n`,
  );
  writeFileSync(
    join(dir, 'node_modules/shout/package.json'),
    JSON.stringify({ name: 'shout', version: '1.0.0', type: 'module', exports: './index.js' }),
  );
  writeFileSync(join(dir, 'node_modules/shout/index.js'), `export const shout = (s) => s + '!';\n`);
  return { dir, entry: join(dir, `handlers${ext}`) };
}

describe('handlers files are bundled', () => {
  it('a multi-file handlers file bundles into one module that runs anywhere, names intact', async () => {
    for (const ext of ['.ts', '.mjs'] as const) {
      const { entry } = multiFileHandlers(ext);
      const bundle = await bundleHandlers(entry);
      // Elsewhere, alone: no lib/, no node_modules next to it (a Job's mounted ConfigMap).
      const alone = writeFiles({ [bundle.fileName]: bundle.code, 'event.json': '' });
      writeFileSync(
        alone.path('event.json'),
        JSON.stringify(makeEvent('PushEvent', pushPayload('refs/heads/main'))),
      );
      const r = await runCli([
        'runner',
        '--event',
        alone.path('event.json'),
        '--handlers',
        alone.path(bundle.fileName),
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('HANDLER deploy: deployed refs/heads/main!');
    }
  });

  it('an import that cannot be resolved fails at load, naming the file, the import and the fix', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';\nimport { x } from './nope.js';\non('PushEvent', async () => x);\n`,
      'uses-lib.ts': `import { on } from 'quickcd';\nimport { pad } from './util.js';\non('PushEvent', async () => pad());\n`,
      'util.ts': `import leftPad from 'left-pad-not-installed';\nexport const pad = () => leftPad('x', 3);\n`,
      'events.json': events,
    });
    const nope = await runCli([
      'run',
      '--events',
      f.path('events.json'),
      '--handlers',
      f.path('handlers.ts'),
    ]);
    expect(nope.code).toBe(2);
    expect(nope.stderr).toContain(
      `Cannot load handlers file ${f.path('handlers.ts')}: line 2, column 19: Could not resolve "./nope.js": no such file`,
    );
    const missing = await runCli([
      'run',
      '--events',
      f.path('events.json'),
      '--handlers',
      f.path('uses-lib.ts'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${f.path('util.ts')}, line 1, column 21`);
    expect(missing.stderr).toContain('imports package "left-pad-not-installed"');
    expect(missing.stderr).toContain(`run \`npm install left-pad-not-installed\` in ${f.dir}`);
  });

  it('packages quickcd provides need not be installed next to the handlers', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';\nimport { z } from 'zod';\non('PushEvent', async () => console.log('ZOD ' + z.string().parse('ok')));\n`,
      'events.json': events,
    });
    const r = await runCli([
      'run',
      '--events',
      f.path('events.json'),
      '--handlers',
      f.path('handlers.ts'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ZOD ok');
  });
});

describe('errors point at the user’s code', () => {
  // Types take lines that stripping them removes: the lines must still be the file's.
  const TYPES = `interface Deploy {
  target: string;
  replicas: number;
}
type Target = Deploy['target'];
`;

  it('a handler’s throw and a failing command report the .ts file, line and column', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
${TYPES}
on('PushEvent', async () => {
  const t: Target = 'prod';
  throw new Error('broke on ' + t);
}, { name: 'throws' });
on('PushEvent', async (p, ctx) => {
  await ctx.sh\`exit 3\`;
}, { name: 'command' });
`,
      'events.json': events,
    });
    const r = await runCli([
      'run',
      '--events',
      f.path('events.json'),
      '--handlers',
      f.path('handlers.ts'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✘ throws failed`);
    expect(r.stdout).toContain(`broke on prod\n  at ${f.path('handlers.ts')}:10:9\n`);
    expect(r.stdout).toMatch(/✘ command failed .*: Command exited with code 3: exit 3\n/);
    expect(r.stdout).toContain(`  at ${f.path('handlers.ts')}:13:13\n`);
    expect(r.stdout + r.stderr).not.toContain('quickcd-load');
  });

  it('a throw while loading reports the .ts line', async () => {
    const f = writeFiles({
      'throws.ts': `import { on } from 'quickcd';\n${TYPES}\nconst t: Target = 'x';\nthrow new Error('config missing ' + t);\n`,
      'events.json': events,
    });
    const r = await runCli([
      'run',
      '--events',
      f.path('events.json'),
      '--handlers',
      f.path('throws.ts'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f.path('throws.ts')}: line 9, column 7: config missing x`);
  });
});

describe('handler names are stable', () => {
  it('rejects two handlers of the same name in .ts and .mjs alike, naming both places', async () => {
    for (const ext of ['.ts', '.mjs']) {
      const f = writeFiles({
        [`handlers${ext}`]: `import { on } from 'quickcd';\nimport './more${ext === '.ts' ? '.js' : '.mjs'}';\n\non('PushEvent', async function deploy() {});\n`,
        [`more${ext}`]: `import { on } from 'quickcd';\non('PushEvent', async function deploy() {});\n`,
        'events.json': events,
      });
      const r = await runCli([
        'run',
        '--events',
        f.path('events.json'),
        '--handlers',
        f.path(`handlers${ext}`),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `a handler named "deploy" is already registered at ${f.path(`more${ext}`)}:2:1 (this one at ${f.path(`handlers${ext}`)}:4:1); give one of them options.name`,
      );
    }
  });
});
