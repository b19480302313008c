import { describe, expect, it } from 'vitest';
import {
  ClusterUnavailableError,
  clusterBinDir,
} from '../../../support/cluster/cluster-bin-dir.js';
import { pathWithoutGo } from '../../../support/cluster/path-without-go.js';

describe('clusterBinDir without Go', () => {
  it('fails with the build script’s words: what to install', () => {
    const env = { PATH: pathWithoutGo(), HOME: process.env.HOME ?? '/tmp' };
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

  it('QUICKCD_CLUSTER_BIN_DIR needs no Go: the binaries were built elsewhere', () => {
    expect(clusterBinDir({ PATH: pathWithoutGo(), QUICKCD_CLUSTER_BIN_DIR: '/opt/k8s' })).toBe(
      '/opt/k8s',
    );
  });
});
