// A Chrome DevTools Protocol session over one WebSocket (the `ws` client):
// numbered requests matched to their responses, events to listeners, and a
// closed connection failing every pending request with one reason.
import WebSocket from 'ws';
import { CaptureError } from '../errors.js';

export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
}

interface Pending {
  method: string;
  resolve(result: Record<string, unknown>): void;
  reject(err: Error): void;
  /** Fails the request when the inspector says nothing for this long (any message restarts it). */
  idleMs: number;
  timer: NodeJS.Timeout;
}

/** A request fails after this long without a word from the inspector. */
export const DEFAULT_IDLE_MS = 60_000;

/** Snapshots arrive in chunks of about 100 KB; the limit is only there to bound one message. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

export class CdpSession {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: CdpEvent) => void>();
  private closeReason: string | null = null;
  /** Resolves when the connection is gone, whoever closed it. */
  readonly closed: Promise<void>;

  private constructor(
    private readonly socket: WebSocket,
    readonly url: string,
  ) {
    socket.on('message', (data: Buffer) => this.receive(data));
    this.closed = new Promise((resolve) => {
      socket.on('close', (code) => {
        this.fail(code === 1000 ? 'the inspector closed the connection' : 'the connection to the inspector dropped');
        resolve();
      });
    });
    socket.on('error', (err) => this.fail(`the connection to the inspector failed: ${err.message}`));
  }

  /** Opens a session on a target's `webSocketDebuggerUrl`. */
  static connect(url: string, timeoutMs = 5000): Promise<CdpSession> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, {
        perMessageDeflate: false,
        maxPayload: MAX_MESSAGE_BYTES,
        handshakeTimeout: timeoutMs,
      });
      const onError = (err: Error): void => {
        reject(
          new CaptureError(`cannot connect to the inspector at ${url}: ${err.message}`, undefined, { cause: err }),
        );
      };
      socket.once('error', onError);
      socket.once('open', () => {
        socket.off('error', onError);
        resolve(new CdpSession(socket, url));
      });
    });
  }

  get isOpen(): boolean {
    return this.closeReason === null;
  }

  /** Why the connection ended, or null while it is open. */
  get reason(): string | null {
    return this.closeReason;
  }

  /**
   * Sends a request; rejects when the inspector stays silent for `idleMs`
   * (a snapshot's progress and chunks count as words: a long snapshot is not cut).
   */
  send(
    method: string,
    params: Record<string, unknown> = {},
    idleMs = DEFAULT_IDLE_MS,
  ): Promise<Record<string, unknown>> {
    if (this.closeReason !== null) return Promise.reject(new CaptureError(`${method}: ${this.closeReason}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = this.silenceTimer(id, method, idleMs);
      this.pending.set(id, { method, resolve, reject, idleMs, timer });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  private silenceTimer(id: number, method: string, idleMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const request = this.pending.get(id);
      if (!request) return;
      this.pending.delete(id);
      request.reject(new CaptureError(`${method}: the inspector did not answer within ${idleMs / 1000} s`));
    }, idleMs);
    timer.unref();
    return timer;
  }

  /** Sends a request whose answer may never come (it closes the session itself). */
  sendAndForget(method: string, params: Record<string, unknown> = {}): void {
    if (this.closeReason !== null) return;
    this.socket.send(JSON.stringify({ id: this.nextId++, method, params }));
  }

  onEvent(listener: (event: CdpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops reading messages until resume(): backpressure for a slow disk. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Closes the connection and waits until it is closed (at most `timeoutMs`, then it is cut). */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close(1000);
    const timer = setTimeout(() => this.socket.terminate(), timeoutMs);
    await this.closed;
    clearTimeout(timer);
  }

  private receive(data: Buffer): void {
    for (const [id, request] of this.pending) {
      clearTimeout(request.timer);
      request.timer = this.silenceTimer(id, request.method, request.idleMs);
    }
    let message: { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown; error?: unknown };
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      this.fail('the inspector sent a message that is not JSON');
      this.socket.terminate();
      return;
    }
    if (typeof message.id === 'number') {
      const request = this.pending.get(message.id);
      if (!request) return;
      this.pending.delete(message.id);
      clearTimeout(request.timer);
      if (message.error) {
        const text = (message.error as { message?: string }).message ?? JSON.stringify(message.error);
        request.reject(new CaptureError(`${request.method}: the inspector answered: ${text}`));
      } else request.resolve((message.result ?? {}) as Record<string, unknown>);
    } else if (typeof message.method === 'string') {
      const event = { method: message.method, params: message.params ?? {} };
      for (const listener of this.listeners) listener(event);
    }
  }

  private fail(reason: string): void {
    this.closeReason ??= reason;
    for (const request of this.pending.values()) {
      clearTimeout(request.timer);
      request.reject(new CaptureError(`${request.method}: ${reason}`));
    }
    this.pending.clear();
  }
}
