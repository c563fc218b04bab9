// The reader's byte tokenizer on its own: every scanner fed the same bytes
// cut at every position (and one byte at a time) must read what JSON.parse
// reads, so numbers, strings, escapes and multi-byte characters split across
// chunks come out whole.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyScanner, NumberArrayScanner, Scan, StringArrayScanner, ValueSkipper } from '../src/engine/json-tokens.js';
import { StringTable } from '../src/engine/strings.js';

interface Scanner {
  status: Scan;
  scan(chunk: Buffer, i: number): number;
}

/**
 * Feeds `bytes` in the given pieces, each a fresh Buffer that is overwritten
 * after use (as a stream may reuse its memory). Returns the status the
 * scanner stopped on and the offset in `bytes` where it stopped.
 */
function feed(scanner: Scanner, bytes: Buffer, cuts: number[]): { status: Scan; at: number } {
  const edges = [0, ...cuts, bytes.length];
  for (let k = 0; k + 1 < edges.length; k++) {
    const chunk = Buffer.from(bytes.subarray(edges[k], edges[k + 1]));
    let i = 0;
    while (i < chunk.length) {
      i = scanner.scan(chunk, i);
      if (scanner.status !== Scan.More) return { status: scanner.status, at: edges[k] + i };
    }
    chunk.fill(0x78);
  }
  return { status: scanner.status, at: bytes.length };
}

/** Every way to cut `bytes` once, plus one byte per chunk, plus no cut. */
function cuttings(bytes: Buffer): number[][] {
  const all: number[][] = [[]];
  for (let at = 1; at < bytes.length; at++) all.push([at]);
  all.push(Array.from({ length: bytes.length - 1 }, (_, k) => k + 1));
  return all;
}

describe('NumberArrayScanner', () => {
  const body = ' 0,7,\n12345,4294967295 ,\t99 ]tail';
  const bytes = Buffer.from(body);
  const expected = JSON.parse(`[${body.slice(0, body.indexOf(']') + 1)}`) as number[];

  it('reads the numbers of an array whole however the chunks cut them, and stops after the `]`', () => {
    for (const cuts of cuttings(bytes)) {
      const scanner = new NumberArrayScanner(new Uint32Array(expected.length), false);
      const { status, at } = feed(scanner, bytes, cuts);
      assert.equal(status, Scan.End, `cuts ${cuts}`);
      assert.equal(at, body.indexOf('tail'), `cuts ${cuts}`);
      assert.deepEqual(Array.from(scanner.values()), expected, `cuts ${cuts}`);
    }
  });

  it('grows a growable target from a tiny start', () => {
    for (const cuts of cuttings(bytes)) {
      const scanner = new NumberArrayScanner(new Uint32Array(1), true);
      assert.equal(feed(scanner, bytes, cuts).status, Scan.End);
      assert.deepEqual(Array.from(scanner.values()), expected, `cuts ${cuts}`);
    }
  });

  it('says TooMany when a fixed target is full, on the delimiter after the extra number', () => {
    for (const cuts of cuttings(bytes)) {
      const scanner = new NumberArrayScanner(new Uint32Array(expected.length - 1), false);
      const { status, at } = feed(scanner, bytes, cuts);
      assert.equal(status, Scan.TooMany, `cuts ${cuts}`);
      assert.equal(at, body.indexOf(' ]'), `cuts ${cuts}`);
      assert.deepEqual(Array.from(scanner.values()), expected.slice(0, -1));
    }
  });

  it('says OutOfRange for 2^32 split anywhere, and BadChar on a sign, a fraction or a string', () => {
    const cases: [string, Scan, number][] = [
      ['1,4294967296,2]', Scan.OutOfRange, 12],
      ['1,-2]', Scan.BadChar, 2],
      ['1,2.5]', Scan.BadChar, 3],
      ['1,"2"]', Scan.BadChar, 2],
    ];
    for (const [text, want, where] of cases) {
      const input = Buffer.from(text);
      for (const cuts of cuttings(input)) {
        const scanner = new NumberArrayScanner(new Uint32Array(8), false);
        assert.deepEqual(feed(scanner, input, cuts), { status: want, at: where }, `${text} cuts ${cuts}`);
      }
    }
  });
});

describe('NumberArrayScanner on long runs (the whole-number loop and its chunk edges)', () => {
  // Rows as V8 writes them ("a,b,c\n,d,..."), values from 0 to 2^32-1 with
  // every digit count, from a fixed-seed generator.
  let seed = 12345;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const values = Array.from({ length: 301 }, (_, k) => (k % 3 === 0 ? next() : next() % 10 ** (k % 10)));
  values.push(0, 4294967295);
  const rows: string[] = [];
  for (let k = 0; k < values.length; k += 7) rows.push(values.slice(k, k + 7).join(','));
  const body = `${rows.join('\n,')}]tail`;
  const bytes = Buffer.from(body);

  /** Single cuts, one byte per chunk, and pairs of cuts close together (a chunk of only digits). */
  function manyCuttings(input: Buffer): number[][] {
    const all = cuttings(input);
    for (let at = 1; at + 12 < input.length; at += 5) for (let gap = 1; gap <= 12; gap++) all.push([at, at + gap]);
    return all;
  }

  it('reads what JSON.parse reads however the chunks cut it', () => {
    assert.deepEqual(JSON.parse(`[${body.slice(0, body.indexOf(']') + 1)}`), values);
    for (const cuts of manyCuttings(bytes)) {
      const scanner = new NumberArrayScanner(new Uint32Array(values.length), false);
      const { status, at } = feed(scanner, bytes, cuts);
      assert.equal(status, Scan.End, `cuts ${cuts}`);
      assert.equal(at, body.indexOf('tail'), `cuts ${cuts}`);
      assert.deepEqual(Array.from(scanner.values()), values, `cuts ${cuts}`);
    }
  });

  it('stops on the same byte with the same status for an error deep in the run', () => {
    const at = body.indexOf(',', 600);
    const cases: [string, Scan, number][] = [
      [`${body.slice(0, at)},x${body.slice(at)}`, Scan.BadChar, at + 1],
      [`${body.slice(0, at)},${'9'.repeat(400)}${body.slice(at)}`, Scan.OutOfRange, at + 401],
      [`${body.slice(0, at)},4294967296${body.slice(at)}`, Scan.OutOfRange, at + 11],
    ];
    for (const [text, want, where] of cases) {
      const input = Buffer.from(text);
      for (const cuts of manyCuttings(input)) {
        const scanner = new NumberArrayScanner(new Uint32Array(values.length + 1), false);
        assert.deepEqual(feed(scanner, input, cuts), { status: want, at: where }, `cuts ${cuts}`);
      }
    }
    for (const cuts of manyCuttings(bytes)) {
      const short = new NumberArrayScanner(new Uint32Array(values.length - 1), false);
      assert.deepEqual(feed(short, bytes, cuts), { status: Scan.TooMany, at: body.indexOf(']') }, `cuts ${cuts}`);
      assert.deepEqual(Array.from(short.values()), values.slice(0, -1));
    }
  });

  it('reads leading zeros as the byte-at-a-time loop always has', () => {
    const input = Buffer.from('007,0,00]');
    for (const cuts of cuttings(input)) {
      const scanner = new NumberArrayScanner(new Uint32Array(3), false);
      assert.equal(feed(scanner, input, cuts).status, Scan.End);
      assert.deepEqual(Array.from(scanner.values()), [7, 0, 0], `cuts ${cuts}`);
    }
  });
});

describe('StringArrayScanner', () => {
  // Escaped quotes and backslashes, an escaped surrogate pair, a raw 4-byte
  // UTF-8 character (a surrogate pair in JS), a lone surrogate as V8 writes
  // it, 2- and 3-byte characters, control escapes, an empty string.
  const strings = ['say "hi"\\', '\ud83d\ude00', '😀x', '\ud800', 'é€', 'a\n\tb\u0001', '', '/'];
  const body = `${JSON.stringify(strings)
    .slice(1)
    .replace('"\ud83d\ude00"', '"\\ud83d\\ude00"')
    .replace('"\ud800"', '"\\ud800"')
    .replace('"/"', '"\\/"')}, "after"`;
  const bytes = Buffer.from(body);

  it('decodes each string as JSON.parse does however the chunks cut escapes and characters', () => {
    assert.ok(body.includes('\\ud83d\\ude00') && body.includes('😀'), 'the input holds both kinds of pair');
    assert.deepEqual(JSON.parse(`[${body.slice(0, body.indexOf(']') + 1)}`), strings);
    for (const cuts of cuttings(bytes)) {
      const scanner = new StringArrayScanner();
      const { status, at } = feed(scanner, bytes, cuts);
      assert.equal(status, Scan.End, `cuts ${cuts}`);
      assert.equal(at, bytes.indexOf(', "after"'), `cuts ${cuts}`);
      assert.deepEqual(scanner.table().toArray(), strings, `cuts ${cuts}`);
    }
  });

  it('decodes bytes that are not UTF-8 as TextDecoder does, however the chunks cut them', () => {
    // A lone continuation byte, a cut 3-byte sequence, an encoded surrogate,
    // an overlong form, beside ASCII and valid multi-byte text.
    const raw = [
      [0x61, 0xff, 0x62],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
      [0xc0, 0xaf],
      [0x41, 0x42],
      [0xc3, 0xa9, 0x7a],
    ];
    const input = Buffer.concat([
      ...raw.flatMap((bytes, k) => [Buffer.from(k ? ',"' : '"'), Buffer.from(bytes), Buffer.from('"')]),
      Buffer.from(']'),
    ]);
    const want = raw.map((bytes) => new TextDecoder().decode(Buffer.from(bytes)));
    for (const cuts of cuttings(input)) {
      const scanner = new StringArrayScanner();
      assert.equal(feed(scanner, input, cuts).status, Scan.End, `cuts ${cuts}`);
      assert.deepEqual(scanner.table().toArray(), want, `cuts ${cuts}`);
    }
  });

  it('says Malformed for an escape JSON does not know, and BadChar for a bare value', () => {
    for (const [text, want] of [
      ['"ok", "bad\\x"]', Scan.Malformed],
      ['"ok", 3]', Scan.BadChar],
    ] as const) {
      const input = Buffer.from(text);
      for (const cuts of cuttings(input)) {
        const scanner = new StringArrayScanner();
        assert.equal(feed(scanner, input, cuts).status, want, `${text} cuts ${cuts}`);
        assert.deepEqual(scanner.table().toArray(), ['ok']);
      }
    }
  });
});

describe('ValueSkipper', () => {
  it('ends after the bracket that closes the value, whatever brackets hide in strings', () => {
    const value = '{"a":[1,"]}\\"[",{"b":{}}],"c":"\\\\"}';
    assert.ok(JSON.parse(value));
    const input = Buffer.from(`${value},"next":1}`);
    for (const cuts of cuttings(input)) {
      assert.deepEqual(feed(new ValueSkipper(), input, cuts), { status: Scan.End, at: value.length }, `cuts ${cuts}`);
    }
  });

  it('ends a scalar at its comma, or at the document end; started inside an array, at its close', () => {
    const scalar = Buffer.from('"a,}" ,"x"');
    assert.deepEqual(feed(new ValueSkipper(), scalar, []), { status: Scan.End, at: 7 });
    const last = Buffer.from('12 }');
    assert.deepEqual(feed(new ValueSkipper(), last, [1]), { status: Scan.DocumentEnd, at: 4 });
    const inside = Buffer.from('2,[3]],"x"');
    assert.deepEqual(feed(new ValueSkipper(1), inside, [3]), { status: Scan.End, at: 6 });
  });
});

describe('KeyScanner', () => {
  it('reads a key (escapes kept) up to its colon, and the document end', () => {
    const input = Buffer.from(' ,\n"tr\\"ace":[');
    for (const cuts of cuttings(input)) {
      const keys = new KeyScanner();
      assert.deepEqual(feed(keys, input, cuts), { status: Scan.Colon, at: input.length - 1 }, `cuts ${cuts}`);
      assert.equal(keys.key, 'tr"ace');
    }
    assert.equal(feed(new KeyScanner(), Buffer.from(' }'), []).status, Scan.DocumentEnd);
    assert.equal(feed(new KeyScanner(), Buffer.from(' [1]'), []).status, Scan.BadChar);
    assert.equal(feed(new KeyScanner(), Buffer.from(`"${'k'.repeat(300)}":`), []).status, Scan.TooLong);
  });
});

describe('StringTable', () => {
  it('finds and decodes strings as the JSON array says, escaped or not, ASCII or not', () => {
    const strings = ['', 'Object', 'Objecz', 'é€', 'say "hi"', 'Object', '\ud800', 'a'];
    const input = Buffer.from(`${JSON.stringify(strings).slice(1).replace('"\ud800"', '"\\ud800"')}`);
    const scanner = new StringArrayScanner();
    assert.equal(feed(scanner, input, []).status, Scan.End);
    const table = scanner.table();
    assert.equal(table.length, strings.length);
    for (const [i, text] of strings.entries()) {
      assert.equal(table.indexOf(text), strings.indexOf(text), JSON.stringify(text));
      assert.equal(table.get(i), text);
    }
    assert.equal(table.indexOf('Obj'), -1);
    assert.equal(table.includes('absent'), false);
    assert.deepEqual(StringTable.fromData(table.data).toArray(), strings, 'rebuilt from its data (a worker thread)');
  });
});
