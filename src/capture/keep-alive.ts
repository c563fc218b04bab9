// A DevTools endpoint for the --between command (LEAKSCAN_BROWSER_URL): it
// forwards to the browser's own and keeps every connection the command opened
// alive after the command disconnects, until the capture is over. V8 clears a
// page's heap object ids whenever one of its DevTools sessions ends (seen on
// Chromium), so a client that connects, clicks and disconnects would otherwise
// make the snapshots on either side impossible to match by id.
import { get, createServer as httpServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { describeAddress, type InspectorAddress } from './target.js';

export interface KeepAliveEndpoint {
  /** `http://127.0.0.1:PORT`: what `puppeteer.connect({ browserURL })` takes. */
  url: string;
  /** Closes every kept connection (their sessions end now) and the endpoint. */
  close(): Promise<void>;
}

/** Ids of the requests the endpoint sends itself, far from a client's own. */
const OWN_IDS = 2_000_000_000;
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** GET on the browser's HTTP endpoint: the body, or null. */
function fetchText(address: InspectorAddress, path: string): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const request = get({ host: address.host, port: address.port, path, timeout: 3000, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        body += text;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 502, body }));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
  });
}

/**
 * Starts the endpoint on 127.0.0.1, port 0, in front of the browser at
 * `upstream`. Its /json/version and /json/list answer as the browser's, with
 * the WebSocket URLs pointing here.
 */
export async function startKeepAlive(upstream: InspectorAddress): Promise<KeepAliveEndpoint> {
  const kept = new Set<WebSocket>();
  const upstreamHost = describeAddress(upstream);
  let here = '';
  const server: Server = httpServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!/^\/json(\/version|\/list)?\/?$/.test(path)) {
      res.writeHead(404).end();
      return;
    }
    void fetchText(upstream, path).then((answer) => {
      if (!answer) {
        res.writeHead(502).end();
        return;
      }
      // Every ws://HOST:PORT/ of the browser's becomes this endpoint's.
      const body = answer.body
        .split(`ws://${upstreamHost}/`)
        .join(`ws://${here}/`)
        .split(`ws=${upstreamHost}/`)
        .join(`ws=${here}/`);
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=UTF-8' }).end(body);
    });
  });
  const sockets = new WebSocketServer({ server, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  sockets.on('connection', (client: WebSocket, req: IncomingMessage) => {
    forward(
      client,
      new WebSocket(`ws://${upstreamHost}${req.url ?? '/'}`, {
        perMessageDeflate: false,
        maxPayload: MAX_MESSAGE_BYTES,
      }),
      kept,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  here = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${here}`,
    close: async () => {
      for (const socket of kept) socket.close();
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Pipes a client's connection to the browser. When the client goes, the
 * browser's side stays open, and with it the sessions the client attached
 * (turning auto-attach off would detach them, and so end them), and stops
 * holding anything up: a target that attaches waiting for the debugger runs.
 */
function forward(client: WebSocket, browser: WebSocket, kept: Set<WebSocket>): void {
  kept.add(browser);
  const queued: string[] = [];
  /** Sessions attached while waiting for the debugger that the client has not let run yet. */
  const waiting = new Set<string>();
  let orphaned = false;
  let ownId = OWN_IDS;
  const run = (sessionId: string): void => {
    if (browser.readyState === WebSocket.OPEN)
      browser.send(JSON.stringify({ id: ownId++, method: 'Runtime.runIfWaitingForDebugger', params: {}, sessionId }));
  };
  const release = (): void => {
    if (orphaned) return;
    orphaned = true;
    for (const sessionId of waiting) run(sessionId);
    waiting.clear();
  };
  client.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    if (text.includes('"Runtime.runIfWaitingForDebugger"')) {
      const sessionId = (JSON.parse(text) as { sessionId?: unknown }).sessionId;
      if (typeof sessionId === 'string') waiting.delete(sessionId);
    }
    if (browser.readyState === WebSocket.OPEN) browser.send(text);
    else queued.push(text);
  });
  browser.on('open', () => {
    for (const text of queued.splice(0)) browser.send(text);
  });
  browser.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    if (text.includes('"Target.attachedToTarget"')) {
      const params = (JSON.parse(text) as { params?: { sessionId?: unknown; waitingForDebugger?: unknown } }).params;
      if (typeof params?.sessionId === 'string' && params.waitingForDebugger === true) {
        if (orphaned) run(params.sessionId);
        else waiting.add(params.sessionId);
      }
    }
    if (!orphaned && client.readyState === WebSocket.OPEN) client.send(text);
  });
  client.on('close', release);
  client.on('error', release);
  browser.on('close', () => {
    kept.delete(browser);
    client.close();
  });
  browser.on('error', () => client.close());
}
