import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/**
 * A response's headers as `fetch` gives them: names lower-cased, a repeated header joined with
 * ", " (`set-cookie` also kept apart, for `getSetCookie()`), iterated in name order.
 */
export class HttpHeaders {
  readonly #values = new Map<string, string>();
  readonly #cookies: string[] = [];

  constructor(rawHeaders: readonly string[]) {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toLowerCase();
      const value = rawHeaders[i + 1]!;
      if (name === 'set-cookie') this.#cookies.push(value);
      const before = this.#values.get(name);
      this.#values.set(name, before === undefined ? value : `${before}, ${value}`);
    }
  }

  get(name: string): string | null {
    return this.#values.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#values.has(name.toLowerCase());
  }

  getSetCookie(): string[] {
    return [...this.#cookies];
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of [...this.#values.keys()].sort()) yield [name, this.#values.get(name)!];
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: string, name: string, headers: HttpHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

export interface HttpResponseInit {
  readonly message: IncomingMessage;
  /** The decoded body (gunzipped, …); null when the response has none (HEAD, 204, 205, 304). */
  readonly body: Readable | null;
  readonly url: string;
  readonly redirected: boolean;
}

/**
 * What `fetch` resolves with, over a `node:http` response: status, headers, the URL after
 * redirects, and a body read once as text, JSON, bytes or a Blob (or taken as a web stream).
 * Not there: `clone()` and `formData()`, which throw.
 */
export class HttpResponse {
  readonly type = 'basic';
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly url: string;
  readonly redirected: boolean;
  readonly headers: HttpHeaders;
  readonly #stream: Readable | null;
  #web: ReadableStream<Uint8Array> | undefined;
  #used = false;

  constructor(init: HttpResponseInit) {
    this.status = init.message.statusCode ?? 0;
    this.statusText = init.message.statusMessage ?? '';
    this.ok = this.status >= 200 && this.status < 300;
    this.url = init.url;
    this.redirected = init.redirected;
    this.headers = new HttpHeaders(init.message.rawHeaders);
    this.#stream = init.body;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (!this.#stream) return null;
    this.#web ??= Readable.toWeb(this.#stream) as ReadableStream<Uint8Array>;
    return this.#web;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.#read());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.#read();
    const copy = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(copy).set(bytes);
    return copy;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.#read());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.#read()], { type: this.headers.get('content-type') ?? '' });
  }

  clone(): never {
    throw new TypeError('clone() is not supported by quickcd’s HTTP client');
  }

  formData(): never {
    throw new TypeError('formData() is not supported by quickcd’s HTTP client');
  }

  async #read(): Promise<Buffer> {
    if (this.#used || this.#web) throw new TypeError('Body is unusable: it was already read');
    this.#used = true;
    if (!this.#stream) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    for await (const chunk of this.#stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}
