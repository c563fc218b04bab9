// How the scenarios of one run share turns and wait for their snapshots
// (runner/schedule.ts), without processes: each step is a promise settled by hand.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { NamedTurns, Turns, WrittenFiles } from '../src/runner/schedule.js';

/** Lets every settled promise run its callbacks. */
const settle = (): Promise<void> => nextTurn().then(() => undefined);

describe('Turns', () => {
  test('at most `count` hold a turn; the others get theirs in the order they asked', async () => {
    const turns = new Turns(2);
    const holding: string[] = [];
    const releases = new Map<string, () => void>();
    for (const name of ['a', 'b', 'c', 'd']) {
      void turns.take().then((release) => {
        holding.push(name);
        releases.set(name, release);
      });
    }
    await settle();
    assert.deepEqual(holding, ['a', 'b']);
    releases.get('b')!();
    releases.get('b')!(); // giving a turn back twice frees one turn only
    await settle();
    assert.deepEqual(holding, ['a', 'b', 'c']);
    releases.get('a')!();
    await settle();
    assert.deepEqual(holding, ['a', 'b', 'c', 'd']);
  });
});

describe('NamedTurns', () => {
  test('one holder per name at a time, in order; other names do not wait', async () => {
    const turns = new NamedTurns();
    const got: string[] = [];
    const releases = new Map<string, () => void>();
    const take = (key: string, who: string): void => {
      void turns.take(key).then((release) => {
        got.push(who);
        releases.set(who, release);
      });
    };
    take('cycle', 'first cycle');
    take('cycle', 'second cycle');
    take('weakref', 'weakref');
    take('cycle', 'third cycle');
    await settle();
    assert.deepEqual(got, ['first cycle', 'weakref']);
    releases.get('first cycle')!();
    await settle();
    assert.deepEqual(got, ['first cycle', 'weakref', 'second cycle']);
    releases.get('second cycle')!();
    await settle();
    assert.deepEqual(got, ['first cycle', 'weakref', 'second cycle', 'third cycle']);
    releases.get('third cycle')!();
    take('cycle', 'later');
    await settle();
    assert.equal(got.at(-1), 'later', 'a name free again is taken at once');
  });
});

describe('WrittenFiles', () => {
  test('a wait ends when its file is written, whichever comes first', async () => {
    const files = new WrittenFiles();
    const done: string[] = [];
    void files.wait('after').then(() => done.push('after'));
    files.written('before');
    void files.wait('before').then(() => done.push('before'));
    await settle();
    assert.deepEqual(done, ['before']);
    files.written('after');
    await settle();
    assert.deepEqual(done, ['before', 'after']);
  });

  test('the end of the run ends every wait, now and later', async () => {
    const files = new WrittenFiles();
    const pending = files.wait('growth-2');
    files.allWritten();
    await pending;
    await files.wait('anything');
  });

  test("a failed run rejects every wait with the run's error, now and later", async () => {
    const files = new WrittenFiles();
    const error = new Error('scenario cycle: timed out');
    const pending = files.wait('after');
    files.written('growth-1'); // written, nobody waits: no unhandled rejection when the run fails
    files.failed(error);
    await assert.rejects(pending, (err) => err === error);
    await assert.rejects(files.wait('growth-2'), (err) => err === error);
  });
});
