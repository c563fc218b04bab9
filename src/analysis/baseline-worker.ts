// Reads the before snapshot of a diff on the second core while the main
// thread reads the after one. Only the baseline crosses back: flat typed
// arrays (transferred, not copied) and the class keys.
import { parentPort, workerData } from 'node:worker_threads';
import { LeakscanError } from '../errors.js';
import { type Engine, loadBaseline } from './load.js';

const { file, engine } = workerData as { file: string; engine?: Engine };
const port = parentPort!;

loadBaseline(file, { engine, onProgress: (event) => port.postMessage({ type: 'progress', event }) }).then(
  (baseline) => {
    const { ids, classOf, selfSize, stringHash, nodeType, meta, table, maxNodeId, globalOrder, shapes } = baseline;
    port.postMessage(
      {
        type: 'done',
        ids,
        classOf,
        selfSize,
        stringHash,
        nodeType,
        meta,
        maxNodeId,
        globalOrder,
        keys: table.keys.map(({ name, type }) => ({ name, type })),
        shapes,
      },
      [ids, classOf, selfSize, stringHash, nodeType, ...(shapes ? [shapes.signatureOf] : [])].map(
        (array) => array.buffer as ArrayBuffer,
      ),
    );
  },
  (err: unknown) => {
    port.postMessage({
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
      exitCode: err instanceof LeakscanError ? err.exitCode : null,
    });
  },
);
