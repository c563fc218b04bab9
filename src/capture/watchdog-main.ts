// The watchdog process (watchdog.ts): reads leakscan's pipe; on "done" it
// exits, on the end of the pipe without it (leakscan killed, interrupted, or
// giving up) it closes the target's inspector as soon as one listens, then
// exits. Never prints: nobody reads its output.
import { setTimeout as sleep } from 'node:timers/promises';
import { closeInspectorAt, isAlive } from './inspector.js';
import { connectHost, listeningSockets, newSockets } from './proc-sockets.js';
import { type InspectorAddress, isListening } from './target.js';
import type { WatchdogArgs } from './watchdog.js';

const args = JSON.parse(process.argv[2]) as WatchdogArgs;
let known: InspectorAddress | null = null;
let done = false;
let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  text += chunk;
  for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n')) {
    const line = text.slice(0, end);
    text = text.slice(end + 1);
    if (line === 'done') done = true;
    else if (line.startsWith('address ')) known = JSON.parse(line.slice('address '.length)) as InspectorAddress;
  }
});
process.stdin.on('error', () => {});
process.stdin.on('close', () => {
  if (done) process.exit(0);
  void watch().finally(() => process.exit(0));
});

/** The inspector's address now, or null while it does not listen. */
async function inspectorAddress(): Promise<InspectorAddress | null> {
  if (args.baseline !== null) {
    const now = listeningSockets(args.pid);
    if (now !== null) {
      const fresh = newSockets(args.baseline, now)[0];
      return fresh ? { host: connectHost(fresh.host), port: fresh.port } : null;
    }
  }
  const address = known ?? args.expected;
  return (await isListening(address)) ? address : null;
}

async function watch(): Promise<void> {
  const deadline = Date.now() + args.watchMs;
  while (Date.now() < deadline && isAlive(args.pid)) {
    const address = await inspectorAddress().catch(() => null);
    if (address) {
      // Keeps trying: a process busy in a snapshot answers only when it is done.
      if (await closeInspectorAt(address, args.pid, deadline - Date.now()).catch(() => false)) return;
    }
    await sleep(100);
  }
}
