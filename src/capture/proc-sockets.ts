// Which TCP addresses a process itself listens on, from Linux's /proc: the
// socket inodes among /proc/PID/fd, matched against the LISTEN rows of
// /proc/PID/net/tcp and tcp6. This is the inspector's real address whatever
// flags, arguments or environment the process was given, and a check no
// other program can forge: a fake inspector on the port does not own the
// target's file descriptors.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ListeningSocket {
  /** As bound: 127.0.0.1, 0.0.0.0, ::1, ::, … */
  host: string;
  port: number;
  /** The socket's inode: a socket closed and opened again on the same port is a new one. */
  inode: string;
}

/** TCP state LISTEN in /proc/net/tcp. */
const LISTEN = '0A';

function socketInodes(pid: number): Set<string> | null {
  let names: string[];
  try {
    names = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  const inodes = new Set<string>();
  for (const name of names) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${name}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** `0100007F` (little-endian words, as the kernel prints them) → `127.0.0.1`; 32 digits → IPv6. */
function hexToHost(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => {
    const value = Number.parseInt(word, 16);
    return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
  });
  if (bytes.length === 4) return bytes.join('.');
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 host.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
    .replace(/:{3,}/, '::');
}

/**
 * The addresses `pid` listens on, or null where /proc cannot tell (not
 * Linux, or another user's process).
 */
export function listeningSockets(pid: number): ListeningSocket[] | null {
  const inodes = socketInodes(pid);
  if (inodes === null) return null;
  const found: ListeningSocket[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== LISTEN || !inodes.has(fields[9])) continue;
      const [hostHex, portHex] = fields[1].split(':');
      found.push({ host: hexToHost(hostHex), port: Number.parseInt(portHex, 16), inode: fields[9] });
    }
  }
  return found;
}

/** Sockets in `now` that were not in `before`. */
export function newSockets(before: ListeningSocket[], now: ListeningSocket[]): ListeningSocket[] {
  return now.filter((s) => !before.some((b) => b.inode === s.inode));
}

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || host === 'localhost';
}

/** Where to connect to reach a socket bound to `host` (a wildcard is reached through loopback). */
export function connectHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}
