// The programmatic API. Everything here returns the same plain data the CLI prints with --json.
export {
  type AnalysisProgress,
  type DiffOptions,
  diffSnapshots,
  diffThreeSnapshots,
  type Thresholds,
} from './analysis/diff.js';
export { type InspectOptions, inspectSnapshot } from './analysis/inspect.js';
export { applySourceMaps } from './analysis/source-maps.js';
export { type AssertNoLeakOptions, assertNoLeak } from './assert.js';
export { type CaptureOptions, captureSnapshots, snapshotFiles } from './capture/capture.js';
export { isBrowserInternal } from './classes.js';
export {
  CaptureError,
  ExitCode,
  LeakscanError,
  ScenarioError,
  SnapshotFormatError,
  TwoSessionsError,
  UnrelatedSnapshotsError,
  UsageError,
} from './errors.js';
export { htmlDiff, htmlInspect, htmlRun } from './report/html.js';
export { type RunScenariosOptions, runScenario, runScenarios } from './run.js';
export { defineScenario, type Scenario, type ScenarioContext } from './scenario.js';
export type * from './types.js';
