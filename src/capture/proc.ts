// What /proc tells about a process of ours (Linux; macOS has no /proc: each
// reader returns null there and the caller decides): its owner, its flags
// (command line and NODE_OPTIONS), its environment, the signals it catches.
import { readFileSync } from 'node:fs';
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
  const cmdline = read(pid, 'cmdline');
  if (cmdline === null) return null;
  const tokens = cmdline.split('\0').filter((t) => t !== '');
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

/** Alive and not a zombie (an exited process its parent has not reaped still takes signals). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = read(pid, 'stat');
  return stat === null || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}
