// Like cycle, but every B is also pushed into a module-level cache: the
// cache holds them all until the next pass clears it. This is the leak.
import { defineScenario } from '../src/scenario.js';

const CACHE_LENGTH = 10_000;

class A {
  readonly _cache: number[] = [];
  constructor(readonly b: B) {
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

const cache: B[] = [];

export default defineScenario({
  name: 'global-cache',
  description: 'like cycle, but each call also pushes its B objects into a module-level cache: retained, a leak',
  expect: 'leak',
  trackClass: 'B',
  iterations: 10,
  batch: 100,
  beforePass() {
    cache.length = 0;
  },
  run({ iteration, batch }) {
    const local: B[] = [];
    for (let i = 0; i < batch; i++) local.push(new B(`b-${iteration}-${i}`));
    cache.push(...local);
    return local.length;
  },
});
