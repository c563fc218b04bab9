import type { Argv } from 'yargs';
import { parseIgnoreRules } from '../analysis/ignore.js';
import { diffFiles } from '../analysis/series.js';
import { applySourceMaps } from '../analysis/source-maps.js';
import { type CaptureProgress, captureSnapshots, snapshotFiles } from '../capture/capture.js';
import { ExitCode } from '../errors.js';
import { captureSource, renderCapture } from '../report/capture.js';
import { formatBytes } from '../report/format.js';
import { analysisProgressText } from '../report/progress.js';
import type { CaptureResult, DiffResult } from '../types.js';
import { checkCount, checkPositive } from './checks.js';
import { IGNORE_OPTION, ignoreList, withConfig } from './config.js';
import {
  createProgress,
  type GlobalArgs,
  type Progress,
  stdoutColor,
  stopOnSignals,
  toJson,
  writeReport,
} from './io.js';
import { MIN_BYTES_OPTION, MIN_COUNT_OPTION, SOURCE_MAPS_OPTION } from './options.js';

export interface CaptureArgs extends GlobalArgs {
  pid?: number;
  inspect?: string;
  signal?: string;
  output?: string;
  count: number;
  interval?: number;
  openTimeout?: number;
  between?: string;
  top: number;
  sourceMaps: boolean;
  minCount: number;
  minBytes: number;
  ignore?: string | string[];
  final: boolean;
}

/** `30s`, `500ms`, `2m`, or a bare number of seconds → milliseconds. */
export function parseDuration(text: string | number, option = 'interval'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (!match) throw new Error(`--${option} ${text}: expected a duration like 30s, 500ms or 2m`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Number(match[1]) * unit;
  if (!(ms > 0)) throw new Error(`--${option} ${text}: must be more than 0`);
  return ms;
}

const SECURITY_NOTE =
  'Opening the inspector of a process lets every local user who can reach its port run code in that process while it is open: leakscan opens only inspectors bound to loopback, keeps them open only while it takes snapshots, closes them afterwards (a watchdog process does it if leakscan is killed or the process opens it late), and refuses processes of other users and programs that are not Node. --pid is for Linux and macOS; on Windows use --inspect. Routes that open no port: the agent (--require leakscan/agent: an owner-only Unix socket) and --heapsnapshot-signal (--signal); see docs/capture.md and docs/security.md.';

/** `describe`: the command's line in the top-level help (src/cli.ts), repeated under its usage. */
export function builder(yargs: Argv<GlobalArgs>, describe: string): Argv<CaptureArgs> {
  return withConfig(yargs, 'capture')
    .usage(`$0 capture (--pid PID | --inspect HOST:PORT) [options]\n\n${describe}.`)
    .option('pid', {
      type: 'number',
      describe:
        'A Node process: through its leakscan agent when it has one (--require leakscan/agent), else its inspector, opened (SIGUSR1) and closed again',
    })
    .option('inspect', {
      type: 'string',
      describe: 'An inspector that is open: HOST:PORT (node --inspect, Chrome --remote-debugging-port) or a ws:// URL',
    })
    .option('signal', {
      type: 'string',
      describe:
        'With --pid: take the snapshots with the signal the process was started with (--heapsnapshot-signal=SIGUSR2): no inspector, no port',
    })
    .option('output', {
      alias: 'o',
      type: 'string',
      describe: 'Snapshot file (.gz to compress); with --count N: NAME.1.heapsnapshot … NAME.N.heapsnapshot',
    })
    .option('count', { type: 'number', default: 1, describe: 'Snapshots to take in one inspector session' })
    .option('interval', {
      type: 'string',
      describe: 'Pause before each snapshot after the first (30s, 500ms, 2m)',
      coerce: (text: string) => parseDuration(text, 'interval'),
    })
    .option('open-timeout', {
      type: 'string',
      describe: 'With --pid: how long the process may take to open its inspector (default 10s)',
      coerce: (text: string) => parseDuration(text, 'open-timeout'),
    })
    .option('between', {
      type: 'string',
      describe: 'Shell command to run (and wait for) before each snapshot after the first',
    })
    .option('top', { type: 'number', default: 15, describe: 'Classes shown in the diff at the end' })
    .option('source-maps', SOURCE_MAPS_OPTION)
    .option('min-count', MIN_COUNT_OPTION)
    .option('min-bytes', MIN_BYTES_OPTION)
    .option('ignore', IGNORE_OPTION)
    .option('final', {
      type: 'boolean',
      default: false,
      describe:
        'With --count 3: the three-snapshot diff (allocated between 1 and 2, alive in 3) instead of the trend over the series',
    })
    .check((argv) => {
      if (argv.final && argv.count !== 3) throw new Error('--final needs --count 3');
      if ((argv.pid === undefined) === (argv.inspect === undefined)) throw new Error('give one of --pid and --inspect');
      if (argv.signal !== undefined && argv.pid === undefined) throw new Error('--signal needs --pid');
      if (argv.signal && !/^SIG[A-Z0-9]+$/.test(argv.signal)) {
        throw new Error(`--signal ${argv.signal}: expected a signal name like SIGUSR2`);
      }
      if (argv.interval !== undefined && argv.between !== undefined) {
        throw new Error('--interval and --between cannot be used together');
      }
      if (argv.count === 1 && (argv.interval !== undefined || argv.between !== undefined)) {
        throw new Error('--interval and --between need --count 2 or more');
      }
      return checkPositive(argv, ['count']) && checkCount(argv, ['top', 'min-count', 'min-bytes']);
    })
    .example('$0 capture --pid 4242 -o server.heapsnapshot.gz', 'One snapshot of a running server, compressed')
    .example(
      '$0 capture --pid 4242 --count 2 --between "npx autocannon -d 20 http://localhost:3000" -o load.heapsnapshot',
      'Snapshot, load, snapshot, and the diff of the two',
    )
    .example(
      '$0 capture --pid 4242 --count 3 --interval 30s -o s.heapsnapshot',
      'Three snapshots 30 s apart, decided by trend (what rose at every step)',
    )
    .example(
      '$0 capture --pid 4242 --signal --count 2 --interval 1m -o s.heapsnapshot',
      'A process started with --heapsnapshot-signal=SIGUSR2: no inspector, no port',
    )
    .example(
      '$0 capture --inspect 127.0.0.1:9222 -o page.heapsnapshot',
      'A page of a Chrome started with --remote-debugging-port=9222',
    )
    .epilogue(SECURITY_NOTE) as unknown as Argv<CaptureArgs>;
}

function progressText(event: CaptureProgress): string {
  if (event.kind === 'connect') return 'Finding a route to the process';
  const of = `${event.index} of ${event.count}`;
  if (event.kind === 'wait') {
    if (event.trigger === 'between') return `Running --between before snapshot ${of}`;
    if (event.trigger === 'interval') return `Waiting for snapshot ${of}`;
    return `Waiting for Enter or SIGUSR2 (snapshot ${of})`;
  }
  const p = event.progress;
  if (p.phase === 'gc') return `Snapshot ${of}: collecting garbage`;
  if (p.phase === 'walk' && p.total === 0) return `Snapshot ${of}: the process writes it`;
  if (p.phase === 'walk')
    return `Snapshot ${of}: walking the heap ${p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0}%`;
  return `Snapshot ${of}: writing ${formatBytes(p.bytes)}`;
}

/** The next snapshot when the user asks: Enter on a terminal, or SIGUSR2 to leakscan. */
function userTrigger(progress: Progress): (index: number, signal: AbortSignal) => Promise<void> {
  return (index, signal) =>
    new Promise((resolve, reject) => {
      const stdin = process.stdin.isTTY ? process.stdin : null;
      const how = stdin ? 'press Enter, or send SIGUSR2' : 'send SIGUSR2';
      progress.log(`leakscan: ${how} to leakscan (kill -USR2 ${process.pid}) to take snapshot ${index}\n`);
      const done = (): void => {
        process.off('SIGUSR2', done);
        stdin?.off('data', onData).pause();
        signal.removeEventListener('abort', onAbort);
      };
      const go = (): void => {
        done();
        resolve();
      };
      const onData = (chunk: Buffer): void => {
        if (chunk.includes(10) || chunk.includes(13)) go();
      };
      const onAbort = (): void => {
        done();
        reject(signal.reason);
      };
      process.on('SIGUSR2', go);
      stdin?.on('data', onData).resume();
      signal.addEventListener('abort', onAbort, { once: true });
    });
}

export async function execute(args: CaptureArgs): Promise<ExitCode> {
  const ignore = ignoreList(args.ignore);
  parseIgnoreRules(ignore); // a bad rule fails before the process is touched
  const count = args.count;
  const output = args.output ?? defaultOutput(args);
  const files = snapshotFiles(output, count);
  const progress = createProgress(args);
  const stop = stopOnSignals('the session and the inspector were closed, --between stopped, partial files removed');
  let captured: Omit<CaptureResult, 'diff'>;
  let diff: DiffResult | null = null;
  try {
    captured = await captureSnapshots({
      pid: args.pid,
      inspect: args.inspect,
      bySignal: args.signal === undefined ? undefined : { signal: (args.signal || undefined) as NodeJS.Signals },
      files,
      intervalMs: args.interval,
      openTimeoutMs: args.openTimeout,
      between: args.between,
      waitForUser: userTrigger(progress),
      signal: stop.signal,
      onProgress: (event) => progress.update(progressText(event)),
      onOutput: (line) => progress.log(`[between] ${line}\n`),
      onConnected: (target) =>
        progress.update(`${target.route === 'signal' ? 'Signalling' : 'Connected to'} ${captureSource(target)}`),
    });
    if (count >= 2) {
      const paths = captured.snapshots.map((s) => s.path);
      const options = {
        top: args.top,
        minCount: args.minCount,
        thresholds: { minCount: args.minCount, minBytes: args.minBytes },
        ignore,
        final: args.final,
        onProgress: (event: Parameters<typeof analysisProgressText>[0]) => progress.update(analysisProgressText(event)),
      };
      // Three or more: by trend, as `run` and `diff S1 … SN` decide (series.ts).
      diff = await diffFiles(paths, options);
    }
  } finally {
    stop.release();
    progress.stop();
  }
  if (diff && args.sourceMaps) applySourceMaps(diff);
  const result: CaptureResult = { ...captured, diff };
  await writeReport(args.json ? toJson(result) : renderCapture(result, { color: stdoutColor() }));
  if (result.inspectorClosed === false) {
    process.stderr.write(
      `leakscan: the inspector of process ${result.target.pid} still listens on ${result.target.inspector} (the process is busy): a watchdog closes it as soon as the process answers\n`,
    );
  }
  return ExitCode.Ok;
}

function defaultOutput(args: CaptureArgs): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const source = args.pid !== undefined ? String(args.pid) : 'inspector';
  return `capture-${source}-${stamp}.heapsnapshot`;
}
