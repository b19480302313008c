import type { CoreV1Api } from '@kubernetes/client-node';
import type { SandboxMode } from './container-launch.js';
import type { SourceLookup } from './source-lookup.js';

/** What every Pod worker of a node agent shares. */
export interface NodeContext {
  readonly core: CoreV1Api;
  readonly nodeName: string;
  readonly workDir: string;
  readonly mode: SandboxMode;
  readonly apiServer: { readonly host: string; readonly port: number };
  readonly quickcdCommand: readonly string[];
  /** Host paths the containers' processes need (this checkout, Node's prefix). */
  readonly neededHostPaths: readonly string[];
  readonly binDir: string | undefined;
  readonly maxGraceSeconds: number;
  readonly allocatable: Readonly<Record<string, string>>;
  readonly sources: SourceLookup;
  /** First wait before restarting a container; doubles up to `maxRestartBackoffMs`. */
  readonly restartBackoffMs: number;
  readonly maxRestartBackoffMs: number;
  readonly log: (msg: string) => void;
}
