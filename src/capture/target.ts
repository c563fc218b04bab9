// Finding the debugging target behind an inspector address: the HTTP
// endpoint /json/list of Node's inspector and of Chrome's
// --remote-debugging-port lists targets with their WebSocket URLs.
import { get } from 'node:http';
import { connect } from 'node:net';
import { CaptureError, UsageError } from '../errors.js';

export interface InspectorAddress {
  host: string;
  port: number;
}

export interface Target {
  /** The WebSocket URL a session connects to. */
  webSocketUrl: string;
  /** 'node', 'page', … as the inspector lists it; 'unknown' for a bare ws:// URL. */
  type: string;
  title: string;
  url: string;
}

/** `HOST:PORT`, `PORT`, `[::1]:PORT` or a `ws://` URL. */
export function parseInspectorAddress(text: string): InspectorAddress | { webSocketUrl: string } {
  if (/^wss?:\/\//i.test(text)) {
    try {
      new URL(text);
    } catch {
      throw new UsageError(`--inspect ${text}: not a valid ws:// URL`);
    }
    return { webSocketUrl: text };
  }
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || !(port > 0 && port < 65536)) {
    throw new UsageError(`--inspect ${text}: expected HOST:PORT (like 127.0.0.1:9229) or a ws:// URL`);
  }
  return { host: match[1] || match[2] || '127.0.0.1', port };
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function describeAddress(address: InspectorAddress): string {
  return `${hostForUrl(address.host)}:${address.port}`;
}

/** /json/list lists a few targets: more than this is not an inspector talking. */
export const MAX_LIST_BYTES = 1 << 20;

/** GET http://HOST:PORT/json/list (at most MAX_LIST_BYTES, within `timeoutMs`). */
export function listTargets(address: InspectorAddress, timeoutMs = 3000): Promise<Target[]> {
  const where = describeAddress(address);
  return new Promise((resolve, reject) => {
    const request = get(
      { host: address.host, port: address.port, path: '/json/list', timeout: timeoutMs, agent: false },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          body += text;
          if (body.length > MAX_LIST_BYTES) {
            response.destroy();
            request.destroy();
            reject(new CaptureError(`${where} is not an inspector: /json/list sent more than ${MAX_LIST_BYTES} bytes`));
          }
        });
        response.on('end', () => {
          clearTimeout(deadline);
          let list: unknown;
          try {
            list = JSON.parse(body);
          } catch {
            list = null;
          }
          if (response.statusCode !== 200 || !Array.isArray(list)) {
            reject(new CaptureError(`${where} is not an inspector: /json/list answered ${response.statusCode}`));
            return;
          }
          resolve(
            (list as Record<string, unknown>[])
              .filter((t) => typeof t.webSocketDebuggerUrl === 'string')
              .map((t) => ({
                webSocketUrl: t.webSocketDebuggerUrl as string,
                type: String(t.type ?? 'unknown'),
                title: String(t.title ?? ''),
                url: String(t.url ?? ''),
              })),
          );
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('no answer')));
    // The socket timeout restarts with every byte: a slow trickle is cut by this one.
    const deadline = setTimeout(
      () => request.destroy(new Error(`no complete answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    request.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(deadline);
      const why = err.code === 'ECONNREFUSED' ? 'nothing listens there' : err.message;
      reject(new CaptureError(`no inspector at ${where}: ${why}`, undefined, { cause: err }));
    });
  });
}

/**
 * The target to snapshot: Node's one target, else a page (Chrome, an Electron
 * renderer). Browser-level targets have no heap.
 */
export function pickTarget(targets: Target[], where: string): Target {
  const target =
    targets.find((t) => t.type === 'node') ??
    targets.find((t) => t.type === 'page') ??
    targets.find((t) => t.type !== 'browser');
  if (!target) throw new CaptureError(`the inspector at ${where} lists no target with a JavaScript heap`);
  return target;
}

/** True when something accepts TCP connections at the address. */
export function isListening(address: InspectorAddress, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    const done = (listening: boolean): void => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
