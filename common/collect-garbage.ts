import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * A full garbage collection, now. For after a burst of allocation that is followed by idling,
 * such as a scan of a long history: an idle process allocates too little for V8 to collect soon,
 * and the burst's garbage (with the response buffers it holds outside the heap) stays resident.
 * `--expose-gc` can be set once the VM runs; its `gc` is then found in a new context.
 */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
