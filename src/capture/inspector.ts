// Opening the inspector of a running Node process the way Node documents it
// (SIGUSR1 on POSIX, which `process._debugProcess` sends), and closing it
// again afterwards (`inspector.close()`, which is `process._debugEnd`), so the
// process is left as it was. While it is open, any local user who can reach
// 127.0.0.1:PORT can run code in that process: it stays open only while
// snapshots are taken.
import { readFileSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureError, UsageError } from '../errors.js';
import { pidOptions } from '../text/processes.js';
import { CdpSession } from './cdp.js';
import { checkOwnProcess, commandLine, descendants, isRunning } from './proc.js';
import { connectHost, isLoopback, type ListeningSocket, listeningSockets, newSockets } from './proc-sockets.js';
import {
  describeAddress,
  type InspectorAddress,
  isListening,
  listTargets,
  parseInspectorAddress,
  pickTarget,
  type Target,
} from './target.js';
import { WATCH_MS, Watchdog } from './watchdog.js';

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
  /** Closes the inspector if leakscan cannot (watchdog.ts): set when leakscan opened it. */
  watchdog: Watchdog | null;
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
  checkOwnProcess(pid);
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
  // A program with its own SIGUSR1 handler (a Python daemon reloading its config) would act on it.
  if (isNodeExecutable(pid) === false) {
    throw new CaptureError(
      `process ${pid} is not a Node.js program (its executable is not node): leakscan sends SIGUSR1 only to Node; for another runtime open its inspector yourself and use --inspect`,
    );
  }
}

/**
 * Package managers and watchers written in Node: they run the program as a
 * child process (npm start → sh → node server.js), so their own heap is not
 * the program's.
 */
const LAUNCHERS: ReadonlySet<string> = new Set([
  'npm',
  'npx',
  'pnpm',
  'pnpx',
  'yarn',
  'yarnpkg',
  'nodemon',
  'node-dev',
  'ts-node-dev',
  'tsnd',
  'tsx',
]);

/**
 * Which launcher a Node command line is, or null: npm's title ("npm start"),
 * a script of a LAUNCHERS package (`realScript` resolves the script's path as
 * the process sees it: /usr/bin/yarn is node_modules/yarn/bin/yarn.js), or
 * node --watch.
 */
export function launcherOf(argv: string[], realScript: (script: string) => string = (s) => s): string | null {
  if (argv.length === 0) return null;
  // npm and pnpm set process.title, which replaces the command line: "npm start".
  if (LAUNCHERS.has(basename(argv[0].split(' ')[0]))) return argv.join(' ');
  const { script, options } = nodeCommand(argv);
  if (script !== null) {
    // The package the script belongs to: the folder after the last node_modules.
    const pkg = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/](?!.*node_modules[\\/])/.exec(
      realScript(script),
    )?.[1];
    if (pkg !== undefined && LAUNCHERS.has(pkg)) return pkg;
  }
  if (options.some((o) => o === '--watch' || o.startsWith('--watch='))) return 'node --watch';
  return null;
}

/**
 * Refuses a launcher (npm start, nodemon, node --watch) that runs Node
 * processes below it: their heaps hold the program, its own does not. The
 * error names them, to capture instead. A launcher with no Node below it (yet)
 * is let through: it may be what leaks.
 */
export function checkNotLauncher(pid: number): void {
  const argv = commandLine(pid);
  const launcher =
    argv &&
    launcherOf(argv, (script) => {
      try {
        return realpathSync(resolve(`/proc/${pid}/cwd`, script));
      } catch {
        return script;
      }
    });
  if (!launcher) return;
  const nodes = nodeChildren(pid);
  if (nodes.length === 0) return;
  const named = pidOptions(nodes);
  throw new UsageError(
    nodes.length === 1
      ? `process ${pid} is ${launcher}, which runs your program in a child process: capture that one, ${named}`
      : `process ${pid} is ${launcher}, which runs Node child processes: capture the one your program runs in, ${named}`,
  );
}

/** The Node processes below `pid` (cluster workers, forks, a launcher's program), with their command lines (untrusted text). */
export function nodeChildren(pid: number): Array<{ pid: number; command: string }> {
  return descendants(pid)
    .filter((p) => isNodeExecutable(p.pid) === true)
    .map((p) => ({ pid: p.pid, command: (commandLine(p.pid) ?? []).join(' ') }));
}

/** Node options that take their value as the next argument (`-r mod`): the value is not the script. */
const VALUE_OPTIONS = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--inspect-port',
  '--debug-port',
  '--title',
  '--env-file',
  '--input-type',
]);

/**
 * Node's own options in a command line: those before the script (or `-e
 * CODE`, `--`); what follows is the program's arguments, which Node never reads.
 */
export function nodeOptions(argv: string[]): string[] {
  return nodeCommand(argv).options;
}

/**
 * A Node command line read as Node reads it: its own options (an option's
 * value joined to it, `-r=mod`) and the script they end at, null for `-e
 * CODE` and the REPL.
 */
function nodeCommand(argv: string[]): { options: string[]; script: string | null } {
  const options: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') return { options, script: argv[i + 1] ?? null };
    if (!token.startsWith('-')) return { options, script: token };
    options.push(token);
    if (VALUE_OPTIONS.has(token) && i + 1 < argv.length) options.push(`${token}=${argv[++i]}`);
    if (token === '-e' || token === '--eval' || token === '-p' || token === '--print') break;
  }
  return { options, script: null };
}

/**
 * The inspector address a process was given in NODE_OPTIONS or in Node's own
 * options (`--inspect-port=`, `--inspect=…`; the command line wins), with its
 * host as given: null when it was given none (Node's default), or where
 * /proc cannot tell.
 */
export function configuredAddress(pid: number): InspectorAddress | null {
  const tokens: string[] = [];
  try {
    const options = readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .find((entry) => entry.startsWith('NODE_OPTIONS='));
    if (options) tokens.push(...options.slice('NODE_OPTIONS='.length).split(/\s+/));
  } catch {
    // Not ours to read, or no /proc: the command line alone.
  }
  try {
    tokens.push(...nodeOptions(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')));
  } catch {
    return null;
  }
  let host = DEFAULT_INSPECTOR.host;
  let port: number | null = null;
  for (const token of tokens) {
    const match = /^--(?:inspect|inspect-brk|inspect-wait|inspect-port|debug-port)=(.+)$/.exec(token);
    if (!match) continue;
    try {
      const parsed = parseInspectorAddress(match[1]);
      if (!('port' in parsed)) continue;
      // `--inspect-port=9230` keeps the host; `--inspect-port=0.0.0.0:9230` sets both.
      if (match[1].includes(':')) host = parsed.host;
      port = parsed.port;
    } catch {
      // Not a port Node would accept either.
    }
  }
  return port === null ? null : { host, port };
}

/** Is `pid` a running Node.js program? Its executable's name, or ours. */
function isNodeExecutable(pid: number): boolean | null {
  let exe: string;
  try {
    exe = realpathSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
  try {
    if (exe === realpathSync(process.execPath)) return true;
  } catch {
    // our own path is gone: compare names only
  }
  return /^(node|nodejs)[\d.-]*$/.test(basename(exe));
}

/** Alive and not a zombie (an exited process its parent has not reaped still takes signals). */
export const isAlive = isRunning;

async function pidOf(session: CdpSession, timeoutMs?: number): Promise<number | null> {
  const answer = await session.send(
    'Runtime.evaluate',
    { expression: "typeof process === 'object' && process !== null ? process.pid : null", returnByValue: true },
    timeoutMs,
  );
  const value = (answer.result as { value?: unknown } | undefined)?.value;
  return typeof value === 'number' ? value : null;
}

async function connectTo(address: InspectorAddress): Promise<{ session: CdpSession; target: Target }> {
  const target = pickTarget(await listTargets(address), describeAddress(address));
  return { session: await CdpSession.connect(target.webSocketUrl), target };
}

/** Does `pid` itself listen on `port`? null where /proc cannot tell. */
function ownsPort(pid: number, port: number): boolean | null {
  const sockets = listeningSockets(pid);
  return sockets === null ? null : sockets.some((s) => s.port === port);
}

/** The inspector of `pid` is gone: the process no longer listens there (or has exited). */
async function inspectorGone(pid: number, address: InspectorAddress): Promise<boolean> {
  if (!isAlive(pid)) return true;
  const owns = ownsPort(pid, address.port);
  return owns === null ? !(await isListening(address)) : !owns;
}

function exposedError(pid: number, address: InspectorAddress, after: string): CaptureError {
  return new CaptureError(
    `process ${pid} ${after} ${describeAddress(address)}, which other machines can reach: anyone there could run code in it. leakscan opens only inspectors bound to loopback: start it with --inspect-port=127.0.0.1:PORT, or open it yourself and use --inspect`,
  );
}

export interface OpenOptions {
  signal?: AbortSignal;
  /** How long the process may take to open its inspector after SIGUSR1, ms. */
  openTimeoutMs?: number;
}

/** Opens a session with `pid`, opening its inspector first when it is closed. */
export async function openProcess(pid: number, options: OpenOptions = {}): Promise<Connection> {
  const { signal } = options;
  const openTimeoutMs = options.openTimeoutMs ?? OPEN_TIMEOUT_MS;
  checkProcess(pid);
  const configured = configuredAddress(pid);
  const address = configured ?? DEFAULT_INSPECTOR;
  if (!isLoopback(address.host)) throw exposedError(pid, address, 'was started to open its inspector on');
  const where = describeAddress(address);
  const baseline = listeningSockets(pid);
  if (await isListening({ host: connectHost(address.host), port: address.port })) {
    const target = { host: connectHost(address.host), port: address.port };
    // Open already: this process's own inspector (started with --inspect, or left open), or another's.
    const owned = baseline === null ? null : baseline.some((s) => s.port === address.port);
    const connection = owned === false ? null : await connectTo(target).catch(() => null);
    const owner = connection ? await pidOf(connection.session).catch(() => null) : null;
    if (connection && owner === pid) return { ...connection, pid, address: target, openedHere: false, watchdog: null };
    await connection?.session.close();
    throw new CaptureError(
      `${where} is taken by ${owner === null || owner === pid ? 'another program' : `process ${owner}`}: process ${pid} opens its inspector there on SIGUSR1; free the port, or start ${pid} with --inspect=PORT and use leakscan capture --inspect 127.0.0.1:PORT`,
    );
  }
  // From here on, whatever happens to leakscan, the inspector does not stay open (watchdog.ts).
  const watchdog = Watchdog.start({ pid, expected: address, baseline, watchMs: WATCH_MS });
  const debugProcess = (process as unknown as { _debugProcess?: (pid: number) => void })._debugProcess;
  try {
    if (debugProcess) debugProcess(pid);
    else process.kill(pid, 'SIGUSR1');
  } catch (err) {
    watchdog.handOver();
    throw new CaptureError(`cannot signal process ${pid}: ${(err as Error).message}`, undefined, { cause: err });
  }
  const deadline = Date.now() + openTimeoutMs;
  const busy = (what: string): CaptureError =>
    new CaptureError(
      `process ${pid} ${what} within ${openTimeoutMs / 1000} s (busy in synchronous work?); the watchdog (pid ${watchdog.pid}) closes its inspector if it opens it later`,
    );
  let opened: InspectorAddress | null = null;
  try {
    opened = await waitForInspector(pid, address, baseline, openTimeoutMs, signal);
  } catch (err) {
    watchdog.handOver();
    throw err;
  }
  if (opened === null) {
    watchdog.handOver();
    throw busy('did not open its inspector');
  }
  watchdog.address(opened);
  if (!isLoopback(opened.host)) {
    // Bound to every interface though nothing said so: closed at once, not used.
    const target = { host: connectHost(opened.host), port: opened.port };
    const closed = await closeInspectorAt(target, pid, 5000).catch(() => false);
    if (closed) await watchdog.done();
    else watchdog.handOver();
    throw exposedError(pid, opened, `opened its inspector on`);
  }
  let connection: { session: CdpSession; target: Target };
  try {
    connection = await connectTo(opened);
  } catch (err) {
    watchdog.handOver();
    throw err;
  }
  // The port opens on a thread of its own; the answer needs the main thread.
  let owner: number | null;
  try {
    owner = await pidOf(connection.session, Math.max(deadline - Date.now(), 100));
  } catch (err) {
    await connection.session.close(200);
    watchdog.handOver();
    throw /did not answer/.test((err as Error).message) ? busy('opened its inspector but did not answer') : err;
  }
  if (owner !== pid) {
    await connection.session.close();
    watchdog.handOver();
    throw new CaptureError(
      `${describeAddress(opened)} was taken by ${owner === null ? 'another program' : `process ${owner}`} while process ${pid} was opening its inspector`,
    );
  }
  return { ...connection, pid, address: opened, openedHere: true, watchdog };
}

/**
 * Where `pid` opened its inspector after SIGUSR1: the socket it listens on
 * that it did not listen on before (/proc), else `expected` once it accepts
 * connections. null after `timeoutMs`.
 */
async function waitForInspector(
  pid: number,
  expected: InspectorAddress,
  baseline: ListeningSocket[] | null,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<InspectorAddress | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    if (!isAlive(pid)) throw new CaptureError(`process ${pid} exited while its inspector was being opened`);
    const now = baseline === null ? null : listeningSockets(pid);
    if (now !== null) {
      const fresh = newSockets(baseline!, now)[0];
      if (fresh) return fresh;
    } else if (await isListening(expected)) return expected;
    if (Date.now() > deadline) return null;
    await sleep(50);
  }
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
  return { session, target, pid, address: 'webSocketUrl' in parsed ? null : parsed, openedHere: false, watchdog: null };
}

// `inspector.close()` is `process._debugEnd` (Node ≥ 12); `require` is the console's, given with includeCommandLineAPI.
const CLOSE_INSPECTOR =
  "typeof process._debugEnd === 'function' ? process._debugEnd() : require('node:inspector').close()";

/** Asks the process to close its inspector (the answer never comes: the session ends with it). */
function askToClose(session: CdpSession): void {
  session.sendAndForget('Runtime.evaluate', { expression: CLOSE_INSPECTOR, includeCommandLineAPI: true });
}

/**
 * Waits until the inspector of `pid` at `address` is gone, at most
 * `timeoutMs`; true when it is. With `ended` (the asking session's end), it
 * waits at most a moment longer once that session is gone: a request the
 * session carried may have been dropped with it.
 */
async function waitGone(
  pid: number,
  address: InspectorAddress,
  timeoutMs: number,
  ended?: Promise<void>,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let endedAt: number | null = null;
  void ended?.then(() => {
    endedAt = Date.now();
  });
  for (;;) {
    if (await inspectorGone(pid, address)) return true;
    if (Date.now() > deadline || (endedAt !== null && Date.now() - endedAt > 1000)) return false;
    // Referenced timers: this wait alone may keep leakscan alive (the session may be gone).
    await sleep(50);
  }
}

/**
 * Connects to the inspector of `pid` at `address` and closes it (the
 * watchdog's way, when leakscan's own session is gone). True once it is gone.
 */
export async function closeInspectorAt(address: InspectorAddress, pid: number, timeoutMs: number): Promise<boolean> {
  const { session } = await connectTo(address);
  try {
    askToClose(session);
    return await waitGone(pid, address, timeoutMs, session.closed);
  } finally {
    await session.close(200);
  }
}

/**
 * Ends the session; when leakscan opened the inspector, closes it in the
 * process and checks the process no longer listens there. Resolves to
 * whether the inspector is closed (null when it was open before and stays
 * so). When it is not (the process is busy, in a snapshot), the watchdog
 * goes on closing it after leakscan is gone.
 */
export async function closeConnection(connection: Connection, timeoutMs = 3000): Promise<boolean | null> {
  const { session } = connection;
  if (!connection.openedHere) {
    await session.close();
    return null;
  }
  // The process closes the session itself: no answer comes. It does not always close the
  // connection though (the port is gone, the socket not): the port says when it is done.
  askToClose(session);
  const closed = await waitGone(connection.pid!, connection.address!, timeoutMs, session.closed);
  await session.close(200);
  if (closed) await connection.watchdog?.done();
  else connection.watchdog?.handOver();
  return closed;
}

export function processAlive(pid: number): boolean {
  return isAlive(pid);
}
