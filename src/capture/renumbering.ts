// Another DevTools client in the capture's inspector session (an editor that
// auto-attaches when it sees the inspector open): when it leaves, V8 clears
// its object ids (the inspector's HeapProfiler.disable), and the next snapshot
// numbers the heap anew, so the series no longer diffs by id. V8 sends no
// event for it; the id V8 gives the global object tells: it is 0 once the ids
// are cleared, and another number after the next snapshot.
import { CaptureError } from '../errors.js';
import type { CdpSession } from './cdp.js';

const GROUP = 'leakscan-id-watch';

export class RenumberedError extends CaptureError {}

export function renumberedError(pid: number | null): RenumberedError {
  const who = pid !== null ? `process ${pid}` : 'the target';
  return new RenumberedError(
    `another DevTools client attached to ${who} during the capture; its detach renumbers V8's objects, so the snapshots would not diff by id and none was kept: close that client (an editor's auto-attach), or take the snapshots with no inspector: start the process with --require leakscan/agent (capture --pid uses it) or --heapsnapshot-signal=SIGUSR2 (capture --pid PID --signal)`,
  );
}

/** The heap id of the global object, as a string ('0' while V8 has no ids), or null when it cannot be asked. */
async function globalId(session: CdpSession): Promise<string | null> {
  try {
    const evaluated = await session.send('Runtime.evaluate', { expression: 'globalThis', objectGroup: GROUP });
    const objectId = (evaluated.result as { objectId?: string } | undefined)?.objectId;
    if (!objectId) return null;
    const answer = await session.send('HeapProfiler.getHeapObjectId', { objectId });
    return typeof answer.heapSnapshotObjectId === 'string' ? answer.heapSnapshotObjectId : null;
  } catch {
    return null;
  } finally {
    session.sendAndForget('Runtime.releaseObjectGroup', { objectGroup: GROUP });
  }
}

/** The global object's heap id at the first snapshot and now ('0': V8 holds no ids). */
export interface Renumbering {
  before: string;
  after: string;
}

/** Tells whether V8 renumbered its objects since the first snapshot of the session. */
export class IdWatch {
  private first: string | null = null;

  constructor(private readonly session: CdpSession) {}

  /** After snapshot 1: the global's id, which later snapshots of this numbering give it too. */
  async start(): Promise<void> {
    const id = await globalId(this.session);
    this.first = id === '0' ? null : id;
  }

  /** Before a later snapshot: the ids must still be those of snapshot 1. */
  async clearedBefore(): Promise<Renumbering | null> {
    if (this.first === null) return null;
    const id = await globalId(this.session);
    return id !== null && id !== this.first ? { before: this.first, after: id } : null;
  }

  /** After a later snapshot: a new number means it was taken after the ids were cleared (0: cleared after it, harmless). */
  async clearedDuring(): Promise<Renumbering | null> {
    if (this.first === null) return null;
    const id = await globalId(this.session);
    return id !== null && id !== '0' && id !== this.first ? { before: this.first, after: id } : null;
  }
}
