// environment.json: what a maintainer needs to know about the machine that made a bundle.
import os from 'node:os';
import { version } from './version.js';

export interface Environment {
  leakscan: string;
  node: string;
  v8: string;
  os: { platform: string; release: string; arch: string };
  cpu: { model: string; count: number };
  totalMemoryBytes: number;
  commandLine: string[];
  createdAt: string;
}

export function collectEnvironment(argv: string[]): Environment {
  const cpus = os.cpus();
  return {
    leakscan: version,
    node: process.version,
    v8: process.versions.v8,
    os: { platform: os.platform(), release: os.release(), arch: os.arch() },
    cpu: { model: cpus[0]?.model ?? 'unknown', count: cpus.length },
    totalMemoryBytes: os.totalmem(),
    commandLine: argv,
    createdAt: new Date().toISOString(),
  };
}
