// Opening the inspector of a running Node process the way Node documents it
// (SIGUSR1 on POSIX, which `process._debugProcess` sends), and closing it
// again afterwards (`inspector.close()`, which is `process._debugEnd`), so the
// process is left as it was. While it is open, any local user who can reach
// 127.0.0.1:PORT can run code in that process: it stays open only while
// snapshots are taken.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureError, UsageError } from '../errors.js';
import { CdpSession } from './cdp.js';
import {
  describeAddress,
  type InspectorAddress,
  isListening,
  listTargets,
  parseInspectorAddress,
  pickTarget,
  type Target,
} from './target.js';

/** Node's default inspector address: SIGUSR1 opens it there unless the process was given another port. */
export const DEFAULT_INSPECTOR: InspectorAddress = { host: '127.0.0.1', port: 9229 };

/** How long a process may take to open its inspector after SIGUSR1. */
const OPEN_TIMEOUT_MS = 10_000;

export interface Connection {
  session: CdpSession;
  target: Target;
  /** The process's pid, when it is a Node process (asked through the session). */
  pid: number | null;
  /** Where the inspector listens, when known (not for a bare ws:// URL). */
  address: InspectorAddress | null;
  /** True when leakscan opened the inspector (and must close it). */
  openedHere: boolean;
}

/** /proc/PID/status fields, or null where there is no /proc (macOS). */
function procStatus(pid: number): Map<string, string> | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  return new Map(
    text.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
}

/**
 * Refuses what SIGUSR1 must not be sent to: no such process, another user's
 * process (its inspector would let local users run code as that user), and a
 * process that does not catch SIGUSR1 (not Node, or --disable-sigusr1): the
 * signal's default action would end it.
 */
export function checkProcess(pid: number): void {
  if (process.platform === 'win32') {
    throw new UsageError(
      '--pid is for Linux and macOS; on Windows start the process with --inspect and use leakscan capture --inspect 127.0.0.1:9229',
    );
  }
  if (!Number.isInteger(pid) || pid <= 0) throw new UsageError(`--pid must be a process id, got ${pid}`);
  if (pid === process.pid) throw new UsageError('--pid is leakscan itself');
  try {
    process.kill(pid, 0);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new CaptureError(`no process with pid ${pid}`);
    if (code === 'EPERM')
      throw new CaptureError(`process ${pid} belongs to another user: leakscan captures only your own processes`);
    throw err;
  }
  const status = procStatus(pid);
  if (!status) return;
  const owner = Number(status.get('Uid')?.split(/\s+/)[0]);
  const me = process.getuid?.();
  if (me !== undefined && Number.isInteger(owner) && owner !== me) {
    throw new CaptureError(
      `process ${pid} belongs to another user (uid ${owner}): leakscan captures only your own processes (opening its inspector would let local users run code as that user)`,
    );
  }
  const caught = status.get('SigCgt');
  // SIGUSR1 is signal 10 on Linux: bit 9 of the mask.
  if (caught && /^[0-9a-f]+$/i.test(caught) && (BigInt(`0x${caught}`) & (1n << 9n)) === 0n) {
    throw new CaptureError(
      `process ${pid} does not handle SIGUSR1 (not a Node.js process, or one started with --disable-sigusr1): the signal would end it`,
    );
  }
}

/** The inspector port a process was given on its command line or in NODE_OPTIONS (--inspect-port=, --inspect=…). */
function configuredAddress(pid: number): InspectorAddress | null {
  const tokens: string[] = [];
  try {
    tokens.push(...readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
    const options = readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .find((entry) => entry.startsWith('NODE_OPTIONS='));
    if (options) tokens.push(...options.slice('NODE_OPTIONS='.length).split(/\s+/));
  } catch {
    return null;
  }
  let address: InspectorAddress | null = null;
  for (const token of tokens) {
    const match = /^--(?:inspect|inspect-brk|inspect-wait|inspect-port|debug-port)=(.+)$/.exec(token);
    if (!match) continue;
    try {
      const parsed = parseInspectorAddress(match[1]);
      if ('port' in parsed)
        address = { host: parsed.host === '0.0.0.0' ? '127.0.0.1' : parsed.host, port: parsed.port };
    } catch {
      // Not a port Node would accept either.
    }
  }
  return address;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // An exited process its parent has not reaped yet still takes signals: a zombie is not alive.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function pidOf(session: CdpSession): Promise<number | null> {
  const answer = await session.send('Runtime.evaluate', {
    expression: "typeof process === 'object' && process !== null ? process.pid : null",
    returnByValue: true,
  });
  const value = (answer.result as { value?: unknown } | undefined)?.value;
  return typeof value === 'number' ? value : null;
}

async function connectTo(address: InspectorAddress): Promise<{ session: CdpSession; target: Target }> {
  const target = pickTarget(await listTargets(address), describeAddress(address));
  return { session: await CdpSession.connect(target.webSocketUrl), target };
}

/** Opens a session with `pid`, opening its inspector first when it is closed. */
export async function openProcess(pid: number, signal?: AbortSignal): Promise<Connection> {
  checkProcess(pid);
  const address = configuredAddress(pid) ?? DEFAULT_INSPECTOR;
  const where = describeAddress(address);
  if (await isListening(address)) {
    // Open already: this process's own inspector (started with --inspect, or left open), or another's.
    const connection = await connectTo(address).catch(() => null);
    const owner = connection ? await pidOf(connection.session).catch(() => null) : null;
    if (connection && owner === pid) return { ...connection, pid, address, openedHere: false };
    await connection?.session.close();
    throw new CaptureError(
      `${where} is taken by ${owner === null ? 'another program' : `process ${owner}`}: process ${pid} opens its inspector there on SIGUSR1; free the port, or start ${pid} with --inspect=PORT and use leakscan capture --inspect 127.0.0.1:PORT`,
    );
  }
  const debugProcess = (process as unknown as { _debugProcess?: (pid: number) => void })._debugProcess;
  try {
    if (debugProcess) debugProcess(pid);
    else process.kill(pid, 'SIGUSR1');
  } catch (err) {
    throw new CaptureError(`cannot signal process ${pid}: ${(err as Error).message}`, undefined, { cause: err });
  }
  const deadline = Date.now() + OPEN_TIMEOUT_MS;
  for (;;) {
    signal?.throwIfAborted();
    if (!isAlive(pid)) throw new CaptureError(`process ${pid} exited while its inspector was being opened`);
    if (await isListening(address)) break;
    if (Date.now() > deadline) {
      throw new CaptureError(
        `process ${pid} did not open its inspector on ${where} within ${OPEN_TIMEOUT_MS / 1000} s (is it a Node.js process? if it was started with --inspect on another port, use --inspect HOST:PORT)`,
      );
    }
    await sleep(50);
  }
  const connection = await connectTo(address);
  const owner = await pidOf(connection.session).catch(() => null);
  if (owner !== pid) {
    await connection.session.close();
    throw new CaptureError(
      `${where} was taken by ${owner === null ? 'another program' : `process ${owner}`} while process ${pid} was opening its inspector`,
    );
  }
  return { ...connection, pid, address, openedHere: true };
}

/** Opens a session with an inspector that is open already: HOST:PORT or a ws:// URL. */
export async function openAddress(text: string): Promise<Connection> {
  const parsed = parseInspectorAddress(text);
  const { session, target } =
    'webSocketUrl' in parsed
      ? {
          session: await CdpSession.connect(parsed.webSocketUrl),
          target: { webSocketUrl: parsed.webSocketUrl, type: 'unknown', title: '', url: '' },
        }
      : await connectTo(parsed);
  const pid = await pidOf(session).catch(() => null);
  return { session, target, pid, address: 'webSocketUrl' in parsed ? null : parsed, openedHere: false };
}

// `inspector.close()` is `process._debugEnd` (Node ≥ 12); `require` is the console's, given with includeCommandLineAPI.
const CLOSE_INSPECTOR =
  "typeof process._debugEnd === 'function' ? process._debugEnd() : require('node:inspector').close()";

/**
 * Ends the session; when leakscan opened the inspector, closes it in the
 * process and checks the port no longer accepts connections. Resolves to
 * whether the inspector is closed (null when it was open before and stays so).
 */
export async function closeConnection(connection: Connection): Promise<boolean | null> {
  const { session } = connection;
  if (!connection.openedHere) {
    await session.close();
    return null;
  }
  // The process closes the session itself: no answer comes. It does not always close the
  // connection though (the port is gone, the socket not): the port says when it is done.
  session.sendAndForget('Runtime.evaluate', { expression: CLOSE_INSPECTOR, includeCommandLineAPI: true });
  const address = connection.address!;
  let closed = false;
  for (let i = 0; i < 60 && !closed; i++) {
    await Promise.race([session.closed, sleep(50, undefined, { ref: false })]);
    closed = !(await isListening(address)) || (connection.pid !== null && !isAlive(connection.pid));
  }
  await session.close(200);
  return closed;
}

export function processAlive(pid: number): boolean {
  return isAlive(pid);
}
