// Facts about processes from Linux's /proc: the members of a process group,
// which of them catches a signal or listens on a port, a process's resident
// set. Elsewhere (no /proc) each answers "don't know" and the callers fall
// back to what kill(2) tells.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { CaptureError } from '../errors.js';

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

/** Live processes of one group, from /proc (Linux); empty elsewhere. */
export function groupMembers(pgrp: number): ProcInfo[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const members: ProcInfo[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const info = { pid: Number(name), ppid: Number(fields[1]), pgrp: Number(fields[2]) };
      // A zombie has exited: only its parent's wait is missing (a PID 1 that does not reap keeps it).
      if (info.pgrp === pgrp && fields[0] !== 'Z') members.push(info);
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

/** Whether a process catches `signal` (/proc/PID/status SigCgt): a node started with --heapsnapshot-signal does. */
export function catches(pid: number, signal: NodeJS.Signals): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const mask = /^SigCgt:\s*([0-9a-f]+)/m.exec(status)?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) >> BigInt(constants.signals[signal] - 1)) % 2n === 1n;
  } catch {
    return false;
  }
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
  const nodes = members.filter((m) => catches(m.pid, signal));
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

export const groupAlive = (pgrp: number): boolean => {
  if (hasProc) return groupMembers(pgrp).length > 0;
  try {
    process.kill(-pgrp, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};
