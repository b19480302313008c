import { describe, expect, it } from 'vitest';
import { containerArgv } from '../../../support/node-agent/container-command.js';

const quickcd = ['/usr/bin/node', '/checkout/bin/quickcd.js'];

describe('containerArgv', () => {
  it('runs an explicit command as given, with $(VAR) expansion in command and args', () => {
    const argv = containerArgv(
      { name: 'c', image: 'busybox', command: ['sh', '-c'], args: ['echo $(WHO) $$(WHO) $(NOPE)'] },
      { WHO: 'me' },
      quickcd,
    );
    expect(argv).toEqual(['sh', '-c', 'echo me $(WHO) $(NOPE)']);
  });

  it('maps a command starting with quickcd (or …/quickcd) to this checkout', () => {
    expect(
      containerArgv({ name: 'c', command: ['quickcd', 'runner'], args: ['--x'] }, {}, quickcd),
    ).toEqual([...quickcd, 'runner', '--x']);
    expect(
      containerArgv({ name: 'c', command: ['/usr/local/bin/quickcd', 'scheduler'] }, {}, quickcd),
    ).toEqual([...quickcd, 'scheduler']);
  });

  it("runs a quickcd image's entrypoint (no command) as quickcd + args; nothing for a foreign image", () => {
    expect(
      containerArgv(
        { name: 'c', image: 'ghcr.io/x/quickcd:kdep', args: ['scheduler'] },
        {},
        quickcd,
      ),
    ).toEqual([...quickcd, 'scheduler']);
    expect(containerArgv({ name: 'c', image: 'nginx', args: ['-g'] }, {}, quickcd)).toBeUndefined();
  });
});
