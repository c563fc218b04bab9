// leakscan's agent: `node --require leakscan/agent server.js` (or in
// NODE_OPTIONS) lets `leakscan capture --pid PID` take heap snapshots of this
// process with no inspector and no TCP port. It listens on a Unix socket only
// this user can reach (mode 0600, in a 0700 folder of theirs; a named pipe on
// Windows), never keeps the process alive, and removes its socket on exit.
// A snapshot is v8.writeHeapSnapshot into a file capture created: the same
// isolate and no inspector session, so the object ids of a series match.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { basename, isAbsolute } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import {
  AGENT_PROTOCOL,
  agentDirectories,
  agentPipe,
  MAX_LINE_BYTES,
  prepareDirectory,
  socketPathIn,
} from './capture/agent-socket.cjs';

interface Request {
  id?: unknown;
  op?: unknown;
  nonce?: unknown;
  path?: unknown;
}

function warn(text: string): void {
  process.stderr.write(`leakscan agent: ${text}\n`);
}

/** Writes a snapshot into `path`, an empty file of ours that capture created for it. */
function snapshot(path: unknown): { bytes: number } {
  if (typeof path !== 'string' || !isAbsolute(path)) throw new Error('the path must be absolute');
  const stats = lstatSync(path);
  const me = typeof process.getuid === 'function' ? process.getuid() : null;
  if (!stats.isFile() || stats.nlink !== 1 || stats.size !== 0 || (me !== null && stats.uid !== me)) {
    throw new Error('the path must be an empty file of ours, created for the snapshot');
  }
  // The snapshot's own full GC runs first (V8 collects all available garbage before it walks the heap).
  writeHeapSnapshot(path);
  return { bytes: lstatSync(path).size };
}

function answer(request: Request): Record<string, unknown> {
  if (request.op === 'hello') {
    return {
      ok: true,
      protocol: AGENT_PROTOCOL,
      pid: process.pid,
      nonce: request.nonce,
      // What the inspector would call the target: the main script's name.
      title: basename(process.argv[1] ?? '') || process.title,
      node: process.version,
    };
  }
  if (request.op === 'snapshot') return { ok: true, ...snapshot(request.path) };
  throw new Error(`unknown request ${JSON.stringify(request.op)}`);
}

function serve(socket: Socket): void {
  // A connection never keeps the process alive either.
  socket.unref();
  socket.setEncoding('utf8');
  let buffer = '';
  socket.on('data', (text: string) => {
    buffer += text;
    if (buffer.length > MAX_LINE_BYTES) {
      socket.destroy();
      return;
    }
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      let request: Request;
      try {
        request = JSON.parse(line) as Request;
      } catch {
        socket.destroy();
        return;
      }
      let reply: Record<string, unknown>;
      try {
        reply = answer(request);
      } catch (err) {
        reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
      socket.write(`${JSON.stringify({ id: request.id, ...reply })}\n`);
    }
  });
  socket.on('error', () => socket.destroy());
}

/** Listens at the first safe folder; returns the socket path, or null (with a warning) when none is. */
function listen(server: Server): string | null {
  if (process.platform === 'win32') {
    server.listen(agentPipe(process.pid));
    return agentPipe(process.pid);
  }
  const problems: string[] = [];
  for (const dir of agentDirectories(process.env)) {
    const problem = prepareDirectory(dir);
    if (problem) {
      problems.push(problem);
      continue;
    }
    const path = socketPathIn(dir, process.pid);
    // A socket left at our pid by a process that had it before us and was killed.
    try {
      if (lstatSync(path).isSocket()) unlinkSync(path);
    } catch {
      // none
    }
    server.listen(path);
    return path;
  }
  warn(`not listening: ${problems.join('; ')}`);
  return null;
}

function start(): void {
  const key = Symbol.for('leakscan.agent');
  const registry = globalThis as unknown as Record<symbol, unknown>;
  // Once per process: not again when required twice, and not in worker threads (NODE_OPTIONS reaches them).
  if (registry[key] || !isMainThread) return;
  registry[key] = true;
  const server = createServer(serve);
  server.on('error', (err) => warn(`not listening: ${err.message}`));
  const path = listen(server);
  if (path === null) return;
  server.unref();
  let inode: number | null = null;
  server.once('listening', () => {
    if (process.platform === 'win32') return;
    try {
      chmodSync(path, 0o600);
      inode = lstatSync(path).ino;
    } catch (err) {
      warn(`closing: ${(err as Error).message}`);
      server.close();
    }
  });
  process.once('exit', () => {
    // Only our own socket: another process may have taken the name since.
    try {
      if (inode !== null && lstatSync(path).ino === inode) unlinkSync(path);
    } catch {
      // gone already
    }
  });
}

start();
