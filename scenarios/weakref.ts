// Like cycle, but A refers back to its B through a WeakRef: nothing strong
// points back, and the pair is collected once the current job has ended.
import { defineScenario } from '../src/scenario.js';

const CACHE_LENGTH = 10_000;

class A {
  readonly _cache: number[] = [];
  constructor(readonly b: WeakRef<BWeakRef>) {
    const now = Date.now();
    for (let i = 0; i < CACHE_LENGTH; i++) this._cache.push(i + now);
  }
}

class BWeakRef {
  readonly a: A;
  constructor(readonly name: string) {
    this.a = new A(new WeakRef(this));
  }
}

export default defineScenario({
  name: 'weakref',
  description: 'each call makes BWeakRef objects whose A refers back through a WeakRef, then drops them: collected',
  expect: 'no-leak',
  trackClass: 'BWeakRef',
  iterations: 10,
  batch: 100,
  run({ iteration, batch }) {
    const local: BWeakRef[] = [];
    for (let i = 0; i < batch; i++) local.push(new BWeakRef(`b-${iteration}-${i}`));
    return local.length;
  },
});
