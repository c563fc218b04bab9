// B and A point at each other: a reference cycle, which a tracing GC collects
// as soon as nothing outside the pair points at it.
import { defineScenario } from '../src/scenario.js';

const CACHE_LENGTH = 10_000;

class A {
  readonly _cache: number[] = [];
  constructor(readonly b: B) {
    // i + now is not a small integer, so the array holds 8-byte doubles: 80 KB per A.
    const now = Date.now();
    for (let i = 0; i < CACHE_LENGTH; i++) this._cache.push(i + now);
  }
}

class B {
  readonly a: A;
  constructor(readonly name: string) {
    this.a = new A(this);
  }
}

export default defineScenario({
  name: 'cycle',
  description: 'each call makes B objects that hold an A pointing back at them, then drops them: a cycle, collected',
  expect: 'no-leak',
  trackClass: 'B',
  iterations: 10,
  batch: 100,
  run({ iteration, batch }) {
    const local: B[] = [];
    for (let i = 0; i < batch; i++) local.push(new B(`b-${iteration}-${i}`));
    return local.length;
  },
});
