// capture's side of the agent (src/agent.cts): find the socket of a pid,
// check it is ours, ask for snapshots. No TCP port and no inspector session:
// the process writes each snapshot with v8.writeHeapSnapshot into an empty
// file capture created (O_EXCL, 0600) beside the output, so the ids of a
// series match and the file lands with capture's usual conventions.
import { randomBytes } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { CaptureError } from '../errors.js';
import {
  AGENT_PROTOCOL,
  agentDirectories,
  agentPipe,
  MAX_LINE_BYTES,
  socketPathIn,
  unsafeDirectory,
  unsafeSocket,
} from './agent-socket.cjs';
import { createRawFile, placeSnapshot } from './place.js';
import { checkOwnProcess, processEnv } from './proc.js';

/** How long the agent may take to answer hello. */
const HELLO_TIMEOUT_MS = 5000;

/**
 * The socket of `pid`'s agent, or null when it has none: a socket named by
 * the pid, owned by us and closed to others, in a folder of ours that no one
 * else can write. Both our environment's folders and the target's are looked at.
 */
export function findAgent(pid: number): string | null {
  if (process.platform === 'win32') return agentPipe(pid);
  const dirs = new Set(agentDirectories(process.env));
  const env = processEnv(pid);
  if (env) for (const dir of agentDirectories(env)) dirs.add(dir);
  for (const dir of dirs) {
    if (unsafeDirectory(dir) !== null) continue;
    const path = socketPathIn(dir, pid);
    if (unsafeSocket(path) === null) return path;
  }
  return null;
}

interface Answer {
  id?: number;
  ok?: boolean;
  error?: string;
  [key: string]: unknown;
}

/** One connection to an agent; requests answered in order, one line of JSON each. */
export class AgentConnection {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(a: Answer): void; reject(e: Error): void }>();
  private buffer = '';
  private closeReason: string | null = null;
  /** Resolves when the connection is gone, whoever closed it. */
  readonly closed: Promise<void>;
  /** The process's title as it reports it (untrusted text). */
  title = '';

  private constructor(
    private readonly socket: Socket,
    readonly pid: number,
    readonly path: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.receive(text));
    this.closed = new Promise((done) => {
      socket.on('close', () => {
        this.fail(`the connection to the agent of process ${pid} closed`);
        done();
      });
    });
    socket.on('error', (err) => this.fail(`the connection to the agent of process ${pid} failed: ${err.message}`));
  }

  /**
   * Connects to `pid`'s agent and checks who answers: the pid named by the
   * socket, echoing our nonce. Null when `pid` has no agent listening
   * (no socket, or one left by a process that was killed).
   */
  static async open(pid: number): Promise<AgentConnection | null> {
    const path = findAgent(pid);
    if (path === null) return null;
    const socket = await new Promise<Socket | null>((done, fail) => {
      const s = connect(path);
      s.once('connect', () => done(s));
      s.once('error', (err: NodeJS.ErrnoException) => {
        // No one listens: a socket left behind; no such pipe on Windows.
        if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') done(null);
        else fail(new CaptureError(`cannot connect to the agent of process ${pid} at ${path}: ${err.message}`));
      });
    });
    if (!socket) return null;
    const connection = new AgentConnection(socket, pid, path);
    const nonce = randomBytes(16).toString('hex');
    const timer = setTimeout(() => connection.fail('the agent did not answer'), HELLO_TIMEOUT_MS);
    try {
      const hello = await connection.request({ op: 'hello', nonce });
      if (hello.protocol !== AGENT_PROTOCOL || hello.nonce !== nonce || hello.pid !== pid) {
        throw new CaptureError(
          `${path} did not answer as the agent of process ${pid} (pid ${String(hello.pid)}, protocol ${String(hello.protocol)}): is the agent from another leakscan version?`,
        );
      }
      connection.title = typeof hello.title === 'string' ? hello.title : '';
    } catch (err) {
      connection.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return connection;
  }

  get isOpen(): boolean {
    return this.closeReason === null;
  }

  /** Why the connection ended, or null while it is open. */
  get reason(): string | null {
    return this.closeReason;
  }

  /** Has the process write a snapshot and gives it the name `file` (not existing yet); returns its size on disk. */
  async snapshot(file: string): Promise<number> {
    const target = resolve(file);
    const raw = await createRawFile(target);
    try {
      await this.request({ op: 'snapshot', path: raw });
    } catch (err) {
      await unlink(raw).catch(() => {});
      throw err;
    }
    return placeSnapshot(raw, target);
  }

  close(): void {
    this.socket.destroy();
  }

  private request(body: Record<string, unknown>): Promise<Answer> {
    if (this.closeReason !== null) return Promise.reject(new CaptureError(this.closeReason));
    const id = this.nextId++;
    return new Promise((done, fail) => {
      this.pending.set(id, {
        resolve: (answer) =>
          answer.ok
            ? done(answer)
            : fail(new CaptureError(`the agent of process ${this.pid} answered: ${String(answer.error)}`)),
        reject: fail,
      });
      this.socket.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  private receive(text: string): void {
    this.buffer += text;
    if (this.buffer.length > MAX_LINE_BYTES) {
      this.fail(`the agent of process ${this.pid} sent a line longer than ${MAX_LINE_BYTES} bytes`);
      this.socket.destroy();
      return;
    }
    for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      let answer: Answer;
      try {
        answer = JSON.parse(line) as Answer;
      } catch {
        this.fail(`the agent of process ${this.pid} sent a line that is not JSON`);
        this.socket.destroy();
        return;
      }
      const request = typeof answer.id === 'number' ? this.pending.get(answer.id) : undefined;
      if (!request) continue;
      this.pending.delete(answer.id!);
      request.resolve(answer);
    }
  }

  private fail(reason: string): void {
    this.closeReason ??= reason;
    for (const request of this.pending.values()) request.reject(new CaptureError(reason));
    this.pending.clear();
  }
}

/**
 * One snapshot of `pid` through its agent, into `file` (refused when it
 * exists; `.gz` compresses). Returns the size on disk, bytes. Throws a
 * CaptureError when `pid` has no agent.
 */
export async function snapshotViaAgent(pid: number, file: string): Promise<{ bytes: number; socket: string }> {
  checkOwnProcess(pid);
  const connection = await AgentConnection.open(pid);
  if (!connection)
    throw new CaptureError(`process ${pid} has no leakscan agent (start it with --require leakscan/agent)`);
  try {
    return { bytes: await connection.snapshot(file), socket: connection.path };
  } finally {
    connection.close();
  }
}
