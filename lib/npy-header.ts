/**
 * The header of a .npy file: a Python dict literal as numpy's `repr` writes it,
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * then spaces and a newline. Parsed by a small strict grammar, not by pattern matching, so junk
 * around or between the entries is an error rather than ignored:
 *   header  = ws '{' ws entry (ws ',' ws entry)* [ws ','] ws '}' ws
 *   entry   = string ws ':' ws value          keys: 'descr', 'fortran_order', 'shape', each once
 *   value   = string | 'True' | 'False' | tuple
 *   tuple   = '(' ws [int (ws ',' ws int)* [ws ','] ] ws ')'    at most 64 ints ((5,) is 1-d)
 *   string  = a single- or double-quoted run without quotes or backslashes
 *   int     = digits (at most 15), with Python 2's optional 'L'
 */
import { clipInput } from './errors';

/** The three fields of a .npy header. */
export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** numpy itself allows at most 64 dimensions. */
const MAX_DIMS = 64;
const KEYS = ['descr', 'fortran_order', 'shape'] as const;

/**
 * Parses a .npy header.
 * @param text - the header text (after the preamble)
 * @returns the fields
 * @throws {Error} a plain Error saying what is wrong and where (the caller wraps it with its code)
 */
export function parseNpyHeader(text: string): NpyHeader {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${i} of the header ${clipInput(JSON.stringify(text.trim()), 80)}`);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const expect = (c: string): void => {
    if (text[i] !== c) fail(`expected '${c}'`);
    i++;
  };
  const string = (): string => {
    const q = text[i];
    if (q !== "'" && q !== '"') fail('expected a quoted string');
    const end = text.indexOf(q!, i + 1);
    if (end < 0) fail('unterminated string');
    const s = text.slice(i + 1, end);
    if (s.includes('\\')) fail('escapes are not allowed in a .npy header string');
    i = end + 1;
    return s;
  };
  const int = (): number => {
    const start = i;
    while (i < text.length && text[i]! >= '0' && text[i]! <= '9') i++;
    if (i === start) fail('expected a non-negative integer');
    if (i - start > 15) fail('dimension too large');
    const n = Number(text.slice(start, i));
    if (text[i] === 'L') i++;
    return n;
  };
  const tuple = (): number[] => {
    expect('(');
    ws();
    const out: number[] = [];
    let trailingComma = false;
    while (text[i] !== ')') {
      if (out.length === MAX_DIMS) fail(`more than ${MAX_DIMS} dimensions`);
      out.push(int());
      ws();
      trailingComma = text[i] === ',';
      if (trailingComma) {
        i++;
        ws();
      } else if (text[i] !== ')') fail("expected ',' or ')'");
    }
    // Python: (5) is the int 5, not a tuple; a 1-d shape is written (5,).
    if (out.length === 1 && !trailingComma) fail('a 1-d shape needs a trailing comma, as in (5,)');
    i++;
    return out;
  };
  const value = (key: string): string | boolean | number[] => {
    if (text.startsWith('True', i)) return (i += 4), true;
    if (text.startsWith('False', i)) return (i += 5), false;
    if (text[i] === '(') return tuple();
    if (text[i] === "'" || text[i] === '"') return string();
    return fail(`unexpected value for '${key}'`);
  };

  const seen = new Map<string, string | boolean | number[]>();
  ws();
  expect('{');
  ws();
  while (text[i] !== '}') {
    const key = string();
    if (!(KEYS as readonly string[]).includes(key)) fail(`unexpected key ${clipInput(JSON.stringify(key), 40)}`);
    if (seen.has(key)) fail(`duplicate key '${key}'`);
    ws();
    expect(':');
    ws();
    seen.set(key, value(key));
    ws();
    if (text[i] === ',') {
      i++;
      ws();
    } else if (text[i] !== '}') fail("expected ',' or '}'");
  }
  i++;
  ws();
  if (i !== text.length) fail('unexpected text after the dict');
  for (const key of KEYS) if (!seen.has(key)) fail(`missing key '${key}'`);
  const descr = seen.get('descr');
  const fortran = seen.get('fortran_order');
  const shape = seen.get('shape');
  if (typeof descr !== 'string') fail("'descr' must be a string");
  if (typeof fortran !== 'boolean') fail("'fortran_order' must be True or False");
  if (!Array.isArray(shape)) fail("'shape' must be a tuple of integers");
  return { descr: descr as string, fortranOrder: fortran as boolean, shape: shape as number[] };
}
