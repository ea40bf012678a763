import {
  JsonSyntaxError,
  JsonTokenizer,
  MAX_NESTING,
  type JsonTokenHandler,
} from '../../src/job-queue/processors/json-tokenizer';

/** What a tokenizer reports over a document fed in pieces of `pieceLength` characters (0: whole). */
function tokenize(json: string, pieceLength = 0) {
  const summary = {
    topLevelType: null as string | null,
    keyCount: 0,
    itemCount: 0,
    maxDepth: 0,
    strings: [] as string[],
  };
  const handler: JsonTokenHandler = {
    value(type, depth, parent) {
      if (depth === 0) summary.topLevelType ??= type;
      if (depth === 1 && parent === 'array') summary.itemCount++;
      if (type === 'object' || type === 'array') summary.maxDepth = Math.max(summary.maxDepth, depth + 1);
      if (type === 'string') summary.strings.push('');
    },
    key(depth) {
      if (depth === 1) summary.keyCount++;
    },
    text(piece) {
      summary.strings[summary.strings.length - 1] += piece;
    },
  };
  const tokenizer = new JsonTokenizer(handler);
  const step = pieceLength || json.length || 1;
  for (let start = 0; start < json.length; start += step) tokenizer.write(json.slice(start, start + step));
  tokenizer.end();
  return summary;
}

/** The same figures, from JSON.parse. */
function expected(json: string) {
  const value = JSON.parse(json);
  const strings: string[] = [];
  const depth = (node: unknown): number => {
    if (typeof node === 'string') strings.push(node);
    if (node === null || typeof node !== 'object') return 0;
    const children = Array.isArray(node) ? node : Object.values(node);
    return 1 + Math.max(0, ...children.map(depth));
  };
  const maxDepth = depth(value);
  const topLevelType = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return {
    topLevelType,
    keyCount: topLevelType === 'object' ? Object.keys(value).length : 0,
    itemCount: Array.isArray(value) ? value.length : 0,
    maxDepth,
    strings,
  };
}

const errorOf = (json: string, pieceLength = 0) => {
  try {
    tokenize(json, pieceLength);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error;
    throw error;
  }
  return null;
};

/** A seeded generator, so that a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]) => items[int(items.length)];
  return { next, int, pick };
}

const STRING_PARTS = ['a', 'Zürich', ' ', '"', '\\', '/', '\n', '\t', '\u0001', '😀', '\u2028', 'é', '\ud800'];

function randomValue(rng: ReturnType<typeof random>, depth: number): unknown {
  const kind = rng.int(depth > 3 ? 4 : 6);
  if (kind === 0) return rng.pick([true, false, null]);
  if (kind === 1) return rng.pick([0, -0.5, 12, 3.25e-7, -1e21, 42, 1234567.125]);
  if (kind === 2 || kind === 3) return Array.from({ length: rng.int(4) }, () => rng.pick(STRING_PARTS)).join('');
  if (kind === 4) return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
  return Object.fromEntries(
    Array.from({ length: rng.int(4) }, (_, index) => [
      `k${index}${rng.pick(STRING_PARTS)}`,
      randomValue(rng, depth + 1),
    ]),
  );
}

const MUTATION_CHARACTERS = '{}[],:"\\ 0123456789.eE-+tfnrul\nx\u0000';

describe('JsonTokenizer', () => {
  it('agrees with JSON.parse on random documents, whole and in pieces of any size', () => {
    const rng = random(7);
    for (let round = 0; round < 400; round++) {
      const json = JSON.stringify(randomValue(rng, 0), null, rng.pick([0, 1, 2, '\t']));
      expect({ json, ...tokenize(json) }).toEqual({ json, ...expected(json) });
      expect(tokenize(json, 1 + rng.int(7))).toEqual(expected(json));
    }
  });

  it('accepts exactly what JSON.parse accepts, on random edits of valid documents', () => {
    const rng = random(11);
    for (let round = 0; round < 3000; round++) {
      const valid = JSON.stringify(randomValue(rng, 0), null, rng.pick([0, 1]));
      const at = rng.int(valid.length + 1);
      const edit = rng.int(3);
      const character = rng.pick([...MUTATION_CHARACTERS]);
      const json =
        edit === 0
          ? valid.slice(0, at) + valid.slice(at + 1)
          : valid.slice(0, at) + character + valid.slice(at + (edit === 1 ? 0 : 1));
      let parses = true;
      try {
        JSON.parse(json);
      } catch {
        parses = false;
      }
      expect({ json, valid: errorOf(json, 1 + rng.int(5)) === null }).toEqual({ json, valid: parses });
    }
  });

  it.each([
    ['{\n  "a": 1\n  "b": 2\n}', `expected ',' or '}' but found "\\""`, 3, 3],
    ['[1, 2', 'unexpected end of input in an unclosed array', 1, 6],
    ['{"a":1,}', 'expected a double-quoted key but found "}"', 1, 8],
    ['01', 'unexpected "1" after the end of the JSON value', 1, 2],
    ['[-]', 'invalid number', 1, 3],
    ['1.', 'unexpected end of input in an incomplete number', 1, 3],
    ['\n\n  [tru]', 'invalid literal (expected true)', 3, 7],
    ['"a\\x"', 'invalid escape in a string', 1, 4],
    ['"\\u12G4"', 'invalid \\u escape in a string', 1, 6],
    ['"tab\there"', 'unescaped control character in a string', 1, 5],
    ['"open', 'unexpected end of input in an unterminated string', 1, 6],
    [' \r\n ', 'expected a value but the input is empty', 2, 2],
    ['{"a" 1}', `expected ':' after a key but found "1"`, 1, 6],
  ])('names what is wrong and where: %j', (json, detail, line, column) => {
    expect(errorOf(json)).toMatchObject({
      detail,
      line,
      column,
      message: `${detail} at line ${line}, column ${column}`,
    });
    expect(errorOf(json, 1)).toMatchObject({ detail, line, column });
  });

  it('passes a string on in pieces as they arrive, never splitting an escaped surrogate pair', () => {
    const pieces: string[] = [];
    const tokenizer = new JsonTokenizer({ value: () => undefined, text: (piece) => pieces.push(piece) });
    for (const piece of ['"ab', 'c\\ud83d', '\\ude00', 'd"']) tokenizer.write(piece);
    tokenizer.end();
    expect(pieces).toEqual(['ab', 'c', '😀', 'd']);
  });

  it('starts counting lines where it is told (NDJSON records) and can accept empty input', () => {
    const tokenizer = new JsonTokenizer({ value: () => undefined }, 42);
    tokenizer.write('   ');
    expect(tokenizer.end(true)).toBe(false);
    const failing = new JsonTokenizer({ value: () => undefined }, 42);
    expect(() => {
      failing.write('{"a":}');
      failing.end();
    }).toThrow('expected a value but found "}" at line 42, column 6');
  });

  it(`refuses nesting deeper than ${MAX_NESTING} levels, where it would hold one entry per open container`, () => {
    const deepest = '['.repeat(MAX_NESTING) + ']'.repeat(MAX_NESTING);
    expect(tokenize(deepest, 4096).maxDepth).toBe(MAX_NESTING);
    expect(() => tokenize(`[${deepest}]`, 4096)).toThrow(
      new JsonSyntaxError(`nesting deeper than ${MAX_NESTING} levels`, 1, MAX_NESTING + 1),
    );
  });
});
