// What /proc tells about a process of ours (Linux; macOS has no /proc: each
// reader returns null there and the caller decides): its owner, its flags
// (command line and NODE_OPTIONS), its environment, the signals it catches,
// its process group's members, its resident set.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { CaptureError, UsageError } from '../errors.js';

function read(pid: number, name: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return null;
  }
}

/** The environment the process was started with. */
export function processEnv(pid: number): NodeJS.ProcessEnv | null {
  const text = read(pid, 'environ');
  if (text === null) return null;
  const env: NodeJS.ProcessEnv = {};
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** Its command line then NODE_OPTIONS, as tokens: where Node reads its flags. */
export function nodeFlags(pid: number): string[] | null {
  const tokens = commandLine(pid);
  if (tokens === null) return null;
  const options = processEnv(pid)?.NODE_OPTIONS;
  if (options) tokens.push(...options.split(/\s+/).filter((t) => t !== ''));
  return tokens;
}

/** The value of `--NAME=VALUE` or `--NAME VALUE` among Node's flags (the last one wins, as in Node). */
export function flagValue(tokens: string[], name: string): string | null {
  let value: string | null = null;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === '--') break;
    if (tokens[i].startsWith(`${name}=`)) value = tokens[i].slice(name.length + 1);
    else if (tokens[i] === name && i + 1 < tokens.length) value = tokens[++i];
  }
  return value;
}

function statusField(pid: number, field: string): string | null {
  const text = read(pid, 'status');
  const line = text?.split('\n').find((l) => l.startsWith(`${field}:`));
  return line ? line.slice(field.length + 1).trim() : null;
}

/** Whether the process has a handler for `signal` (true/false), or null when it cannot be told. */
export function catchesSignal(pid: number, signal: NodeJS.Signals): boolean | null {
  const mask = statusField(pid, 'SigCgt');
  const number = constants.signals[signal];
  if (!mask || !/^[0-9a-f]+$/i.test(mask) || number === undefined) return null;
  return (BigInt(`0x${mask}`) & (1n << BigInt(number - 1))) !== 0n;
}

/** Refuses what leakscan must not touch: no such process, leakscan itself, another user's process. */
export function checkOwnProcess(pid: number): void {
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
  const owner = Number(statusField(pid, 'Uid')?.split(/\s+/)[0]);
  const me = process.getuid?.();
  if (me !== undefined && Number.isInteger(owner) && owner !== me) {
    throw new CaptureError(
      `process ${pid} belongs to another user (uid ${owner}): leakscan captures only your own processes`,
    );
  }
}

/**
 * Alive and not exiting: not a zombie (an exited process its parent has not
 * reaped still takes signals), and not in the middle of its exit either.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = read(pid, 'stat');
  return stat === null || runningByStat(stat);
}

/** The kernel's PF_EXITING task flag: set when the task starts to exit. */
const PF_EXITING = 0x4;

/**
 * False for a /proc/PID/stat line of a process that is gone or going: state Z
 * or X, or PF_EXITING in its flags. A process's sockets close during its exit,
 * before it becomes a zombie; every thread is exiting by then, so a dropped
 * inspector connection is told from a process that exited, whatever the load.
 */
export function runningByStat(stat: string): boolean {
  // After the command name (in parentheses, which may hold anything): state, ppid, pgrp, session, tty_nr, tpgid, flags.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  const flags = Number(fields[6]);
  return !(Number.isInteger(flags) && (flags & PF_EXITING) !== 0);
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
}

const hasProc = ((): boolean => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

/** Live processes (not zombies), from /proc (Linux); empty elsewhere. */
export function liveProcesses(): ProcInfo[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const live: ProcInfo[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // A zombie has exited: only its parent's wait is missing (a PID 1 that does not reap keeps it).
      if (fields[0] !== 'Z') live.push({ pid: Number(name), ppid: Number(fields[1]), pgrp: Number(fields[2]) });
    } catch {
      // gone meanwhile
    }
  }
  return live;
}

/** Live processes of one group, from /proc (Linux); empty elsewhere. */
export function groupMembers(pgrp: number): ProcInfo[] {
  return liveProcesses().filter((p) => p.pgrp === pgrp);
}

/** The processes below `pid` (children, theirs, …), parents first; empty where /proc cannot tell. */
export function descendants(pid: number): ProcInfo[] {
  const live = liveProcesses();
  const below: ProcInfo[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of live) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        below.push(p);
        grew = true;
      }
    }
  }
  return below;
}

/** Its command line as argv (its title, when the program set process.title: npm's "npm start"), or null. */
export function commandLine(pid: number): string[] | null {
  const cmdline = read(pid, 'cmdline');
  return cmdline === null ? null : cmdline.split('\0').filter((t) => t !== '');
}

/** Inodes of the sockets listening on `port` (/proc/net/tcp and tcp6: state 0A is LISTEN). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue;
      if (Number.parseInt(fields[1].split(':')[1], 16) === port) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** Whether a process holds one of `inodes` among its open files. */
function holdsSocket(pid: number, inodes: Set<string>): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return target.startsWith('socket:[') && inodes.has(target.slice(8, -1));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * The Node process to snapshot, in the server's group, among the processes
 * that catch the snapshot signal (every node started with our NODE_OPTIONS;
 * sh catches nothing): the one listening on the port when it is known (a
 * server that forks a helper node), else the one with no such process below
 * it (npm is a node too, with the server below it). Without /proc, the
 * command's own process (a shell that exec'd node, or node itself).
 */
export function nodeOfGroup(group: number, signal: NodeJS.Signals, port: string | null): number {
  const members = groupMembers(group);
  if (members.length === 0) return group;
  const nodes = members.filter((m) => catchesSignal(m.pid, signal) === true);
  if (port !== null && /^\d+$/.test(port)) {
    const inodes = listeningInodes(Number(port));
    const listening = inodes.size > 0 ? nodes.filter((n) => holdsSocket(n.pid, inodes)) : [];
    if (listening.length === 1) return listening[0].pid;
  }
  const parents = new Map(members.map((m) => [m.pid, m.ppid]));
  const hasNodeBelow = new Set<number>();
  for (const n of nodes) for (let p = parents.get(n.pid); p !== undefined; p = parents.get(p)) hasNodeBelow.add(p);
  const leaves = nodes.filter((n) => !hasNodeBelow.has(n.pid));
  if (leaves.length === 1) return leaves[0].pid;
  if (leaves.length === 0) {
    throw new CaptureError(
      `no Node process of the server command answers ${signal} (is it a node program that keeps NODE_OPTIONS?)`,
    );
  }
  throw new CaptureError(
    `the server command runs ${leaves.length} Node processes (${leaves.map((l) => l.pid).join(', ')}): leakscan snapshots one; start a single server process`,
  );
}

/** VmRSS of a process, bytes; null where /proc cannot tell. */
export function residentSet(pid: number): number | null {
  try {
    const kb = /^VmRSS:\s*(\d+)\s*kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

/** Whether any process of a group is alive (a zombie is not: see groupMembers). */
export const groupAlive = (pgrp: number): boolean => {
  if (hasProc) return groupMembers(pgrp).length > 0;
  try {
    process.kill(-pgrp, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};
