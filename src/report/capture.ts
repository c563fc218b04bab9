// What `leakscan capture` prints: where the snapshots came from, the files,
// and the diff of the first and last as `leakscan diff` prints it.
import { pidOptions } from '../text/processes.js';
import type { CaptureResult } from '../types.js';
import { formatBytes, printable } from './format.js';
import { renderDiff, type TerminalOptions } from './terminal.js';

export function captureSource(target: CaptureResult['target']): string {
  // Title and URL come from the inspected program: untrusted text.
  const name = target.title || target.url;
  const what = target.pid !== null ? `process ${target.pid}` : `${printable(target.type)} target`;
  const via =
    target.route === 'agent'
      ? `through its leakscan agent (${printable(target.inspector)})`
      : target.route === 'signal'
        ? `by ${printable(target.inspector)} (--heapsnapshot-signal)`
        : `through ${printable(target.inspector)}`;
  return `${what}${name ? ` (${printable(name)})` : ''} ${via}`;
}

function inspectorState(result: CaptureResult): string {
  const closed = result.inspectorClosed;
  if (result.target.route !== 'inspector') return 'no inspector and no port were opened';
  if (closed === null) return 'its inspector was open before and is left open';
  return closed ? 'its inspector is closed again' : 'its inspector could not be closed: it may still be open';
}

export function renderCapture(result: CaptureResult, options: TerminalOptions): string {
  const lines = [`Captured ${captureSource(result.target)}; ${inspectorState(result)}`];
  const children = result.target.childProcesses ?? [];
  if (children.length > 0) {
    // A cluster's primary, or a program that forks: what it serves may run in those, not in this heap.
    lines.push(
      printable(
        `  note: it runs ${children.length === 1 ? 'a Node child process' : `${children.length} Node child processes`} (cluster workers, forks), whose heaps are not in these snapshots: ${pidOptions(children)}`,
      ),
    );
  }
  for (const s of result.snapshots) lines.push(`  ${s.path}  ${formatBytes(s.bytes)}`);
  const text = `${lines.join('\n')}\n`;
  return result.diff ? `${text}\n${renderDiff(result.diff, options)}` : text;
}
