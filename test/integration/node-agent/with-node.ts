import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatchV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../support/cluster/start-control-plane.js';
import { nodeAgentOptionsFor } from '../../support/node-agent/node-agent-options-for.js';
import {
  startNodeAgent,
  type NodeAgent,
  type NodeAgentOptions,
} from '../../support/node-agent/start-node-agent.js';

/** A real control plane with the node agent, and clients for the tests. */
export interface ClusterWithNode {
  readonly cp: ControlPlane;
  readonly agent: NodeAgent;
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  readonly logs: string[];
  /** Runs the suite's kubectl against the control plane. */
  kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export async function startClusterWithNode(
  options: Partial<NodeAgentOptions> = {},
): Promise<ClusterWithNode> {
  const cp = await startControlPlane();
  const workDir = await mkdtemp(join(tmpdir(), 'quickcd-node-'));
  const logs: string[] = [];
  const agent = await startNodeAgent(
    nodeAgentOptionsFor(cp, workDir, {
      maxGraceSeconds: 5,
      log: (m) => logs.push(m),
      ...options,
    }),
  ).catch(async (e: unknown) => {
    await cp.stop();
    throw e;
  });
  const kc = cp.kubeConfig();
  return {
    cp,
    agent,
    kc,
    core: kc.makeApiClient(CoreV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    logs,
    kubectl: (...args) =>
      promisify(execFile)(
        join(cp.binDir, 'kubectl'),
        ['--kubeconfig', cp.kubeconfigPath, ...args],
        {
          encoding: 'utf8',
        },
      ),
    async stop() {
      await agent.stop();
      await cp.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** Polls `get` until `ok` holds for its result (or times out with the last value). */
export async function until<T>(
  get: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await get();
      if (ok(last)) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out; last value: ${JSON.stringify(last, null, 1)?.slice(0, 3000)} ${lastError instanceof Error ? lastError.message : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
