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
