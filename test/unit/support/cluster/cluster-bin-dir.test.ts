import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ClusterUnavailableError,
  clusterBinDir,
} from '../../../support/cluster/cluster-bin-dir.js';
import { pathWithoutGo } from '../../../support/cluster/path-without-go.js';
import { tempDir } from '../../../support/fixtures.js';

const shadowRoot = tempDir('quickcd-no-go-');
afterAll(() => rmSync(shadowRoot, { recursive: true, force: true }));

describe('clusterBinDir without Go', () => {
  it('fails with the build script’s words: what to install', () => {
    const env = { PATH: pathWithoutGo(shadowRoot), HOME: process.env.HOME ?? '/tmp' };
    let error: unknown;
    try {
      clusterBinDir(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect((error as ClusterUnavailableError).code).toBe('CLUSTER_UNAVAILABLE');
    expect((error as Error).message).toMatch(
      /^test\/cluster\/build failed, so the real control plane cannot start: test\/cluster\/build: Go is not installed: the real-cluster tests need Go >= \d+\.\d+ .*go\.dev\/dl/,
    );
  });

  it('also where go sits beside bash and coreutils (Debian: /usr/bin/go)', () => {
    const bin = join(shadowRoot, 'debian-bin');
    mkdirSync(bin);
    for (const name of readdirSync('/usr/bin')) {
      if (name !== 'go') symlinkSync(join('/usr/bin', name), join(bin, name));
    }
    writeFileSync(join(bin, 'go'), '#!/bin/sh\necho go version go1.99 linux/amd64\n', {
      mode: 0o755,
    });
    expect(() => clusterBinDir({ PATH: pathWithoutGo(shadowRoot, bin) })).toThrow(
      /Go is not installed/,
    );
  });

  it('QUICKCD_CLUSTER_BIN_DIR needs no Go: the binaries were built elsewhere', () => {
    expect(
      clusterBinDir({ PATH: pathWithoutGo(shadowRoot), QUICKCD_CLUSTER_BIN_DIR: '/opt/k8s' }),
    ).toBe('/opt/k8s');
  });
});
