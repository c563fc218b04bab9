// Progress events of the analysis core as the short text a spinner shows.
import { basename } from 'node:path';
import type { AnalysisProgress } from '../analysis/diff.js';

/** "reading after.heapsnapshot 42%", "analysing after.heapsnapshot: dominators". */
export function analysisProgressText(event: AnalysisProgress): string {
  const name = basename(event.file);
  if (event.phase === 'read') {
    const pct = event.totalBytes > 0 ? Math.floor((100 * event.bytesRead) / event.totalBytes) : 0;
    return `reading ${name} ${pct}%`;
  }
  return `analysing ${name}: ${event.step}`;
}

/**
 * One bar for a command that reads several files (a diff reads two or three,
 * at once on big pairs): "reading 2 snapshots 42%" over the bytes of all of
 * them, so the figure only grows, then the analysis steps once every byte is
 * read. `totalBytes` is the files' sizes summed (a file's own events may come
 * late: the other file's worker starts first). Events with no read phase
 * (memlab's parser) read as analysisProgressText.
 */
export function wholeProgressText(fileCount: number, totalBytes: number): (event: AnalysisProgress) => string {
  const bytesRead = new Map<string, number>();
  const totals = new Map<string, number>();
  let shown = 0;
  return (event) => {
    if (event.phase === 'read') {
      bytesRead.set(event.file, event.bytesRead);
      totals.set(event.file, event.totalBytes);
    }
    if (bytesRead.size === 0) return analysisProgressText(event);
    let read = 0;
    let known = 0;
    for (const bytes of bytesRead.values()) read += bytes;
    for (const bytes of totals.values()) known += bytes;
    const total = Math.max(totalBytes, known);
    if (read < total) {
      shown = Math.max(shown, total > 0 ? Math.floor((100 * read) / total) : 0);
      return `reading ${fileCount} snapshots ${shown}%`;
    }
    return event.phase === 'read' ? `reading ${fileCount} snapshots 100%` : analysisProgressText(event);
  };
}

/**
 * One spinner line for scenarios under way at once (`run --jobs`): each
 * one's latest text, in the order of the list, "cycle: setup · weakref:
 * with-gc iteration 3". A finished scenario leaves the line.
 */
export class ScenarioProgress {
  private readonly texts = new Map<number, string>();
  /** The line after `entry` said `text`. */
  update(entry: number, text: string): string {
    this.texts.set(entry, text);
    return this.line();
  }
  /** The line after `entry` finished; empty when none is left. */
  end(entry: number): string {
    this.texts.delete(entry);
    return this.line();
  }
  private line(): string {
    return [...this.texts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, text]) => text)
      .join(' · ');
  }
}
