import { randomUUID } from 'node:crypto';
import { clone, timestamp, type KubeObject } from './types.js';

/** Resources whose metadata.generation the API server maintains (here: those with a spec). */
const GENERATION_TRACKED = new Set(['jobs']);

/** A change, as a watch reports it. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One recorded change to one object. */
export interface StoreEvent {
  type: WatchEventType;
  /** Resource plural (`configmaps`). */
  resource: string;
  /** The resourceVersion of this change. */
  rv: number;
  /** The object after the change (for DELETED: the last state, with the deletion's resourceVersion). */
  object: KubeObject;
  /** The object before the change (MODIFIED and DELETED). */
  previous?: KubeObject;
}

/** Listener for every change. */
export type StoreListener = (event: StoreEvent) => void;

/**
 * In-memory object storage with one global, increasing resourceVersion, a bounded change
 * history (for watches that resume from a resourceVersion), and change listeners.
 * It knows nothing about validation: callers decide what may be written.
 */
export class ObjectStore {
  private rv = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  /** Changes at or below this resourceVersion are no longer in the history. */
  private compactedRv = 0;

  constructor(private readonly historySize = 1000) {}

  /** The latest resourceVersion. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** A copy of one object, or undefined. */
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.bucket(resource).get(key(namespace, name));
    return o ? clone(o) : undefined;
  }

  /** Copies of all objects of a resource, optionally in one namespace, sorted by namespace/name. */
  list(resource: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.bucket(resource).values()) {
      if (namespace === undefined || o.metadata.namespace === namespace) out.push(clone(o));
    }
    return out.sort((a, b) =>
      key(a.metadata.namespace, a.metadata.name ?? '').localeCompare(
        key(b.metadata.namespace, b.metadata.name ?? ''),
      ),
    );
  }

  /** Stores a new object: sets uid (unless given), resourceVersion, creationTimestamp, generation. */
  create(resource: string, object: KubeObject): KubeObject {
    const stored = clone(object);
    const m = stored.metadata;
    m.uid ??= randomUUID();
    m.creationTimestamp = timestamp();
    if (GENERATION_TRACKED.has(resource)) m.generation = 1;
    return this.write('ADDED', resource, stored, undefined);
  }

  /**
   * Replaces a stored object (which must exist); bumps the generation when anything but
   * metadata and status changed, as the API server does.
   */
  update(resource: string, object: KubeObject): KubeObject {
    const m = object.metadata;
    const previous = this.bucket(resource).get(key(m.namespace, m.name ?? ''));
    if (!previous) throw new Error(`update of missing ${resource} ${m.namespace}/${m.name}`);
    const stored = clone(object);
    if (GENERATION_TRACKED.has(resource)) {
      stored.metadata.generation = previous.metadata.generation ?? 1;
      if (specChanged(previous, stored)) stored.metadata.generation += 1;
    }
    return this.write('MODIFIED', resource, stored, previous);
  }

  /** Removes an object; returns its last state, or undefined when it did not exist. */
  delete(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const previous = this.bucket(resource).get(key(namespace, name));
    if (!previous) return undefined;
    this.bucket(resource).delete(key(namespace, name));
    const last = clone(previous);
    this.rv += 1;
    last.metadata.resourceVersion = String(this.rv);
    this.record({ type: 'DELETED', resource, rv: this.rv, object: last, previous });
    return clone(last);
  }

  /**
   * Changes of one resource after `rv`, or 'gone' when the history no longer reaches back
   * that far.
   */
  changesSince(resource: string, rv: number): StoreEvent[] | 'gone' {
    if (rv < this.compactedRv) return 'gone';
    return this.history.filter((e) => e.resource === resource && e.rv > rv);
  }

  /** Registers a listener for every change; returns the unsubscribe function. */
  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private write(
    type: WatchEventType,
    resource: string,
    object: KubeObject,
    previous: KubeObject | undefined,
  ): KubeObject {
    this.rv += 1;
    object.metadata.resourceVersion = String(this.rv);
    this.bucket(resource).set(key(object.metadata.namespace, object.metadata.name ?? ''), object);
    const event: StoreEvent = { type, resource, rv: this.rv, object: clone(object) };
    if (previous) event.previous = clone(previous);
    this.record(event);
    return clone(object);
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    while (this.history.length > this.historySize) {
      const dropped = this.history.shift();
      if (dropped) this.compactedRv = dropped.rv;
    }
    for (const l of [...this.listeners]) l(event);
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let b = this.objects.get(resource);
    if (!b) {
      b = new Map();
      this.objects.set(resource, b);
    }
    return b;
  }
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): string => {
    const { metadata: _m, status: _s, ...rest } = o;
    return JSON.stringify(rest);
  };
  return strip(a) !== strip(b);
}
