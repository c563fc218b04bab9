// The programmatic API. Everything here returns the same plain data the CLI prints with --json.
export { diffSnapshots, type DiffOptions, type AnalysisProgress, type Thresholds } from './analysis/diff.js';
export { inspectSnapshot, type InspectOptions } from './analysis/inspect.js';
export { runScenario, runScenarios, type RunScenariosOptions } from './run.js';
export { assertNoLeak, type AssertNoLeakOptions } from './assert.js';
export { defineScenario, type Scenario, type ScenarioContext } from './scenario.js';
export { ExitCode, LeakscanError, ScenarioError, SnapshotFormatError, UnrelatedSnapshotsError, UsageError } from './errors.js';
export type * from './types.js';
