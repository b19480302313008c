import { setFlagsFromString } from 'node:v8';

/**
 * Tells V8 that this process favours memory over speed (`--optimize-for-size`), for the
 * scheduler, which idles between polls. A burst of allocation (a scan of a long history at
 * start, a retention pass) leaves garbage pages behind; by default V8 gives them back only once
 * its allocation rate is low for long enough: the memory bench saw ~20 MB held for 15–30 s and
 * more with 10,000 stored events. Favouring memory, V8 releases them ~10 s after the burst and
 * grows its heap more slowly. Node 20 has no call for a memory-reducing collection; the flag,
 * set once the VM runs, is read where V8 decides. Not for runners: their start is CPU-bound.
 */
export function favorMemory(): void {
  setFlagsFromString('--optimize-for-size');
}
