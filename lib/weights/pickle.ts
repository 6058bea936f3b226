/**
 * A restricted unpickler for PyTorch state dicts: it understands the opcodes `torch.save` emits
 * for a state dict (protocols 2 to 5) and builds plain values; it never imports or calls anything.
 * Globals are looked up in a fixed allow-list (the same set torch.load(weights_only=True) accepts
 * for state dicts) and turned into inert descriptions; REDUCE and BUILD are interpreted only for
 * those. Anything else is an ERR_WEIGHTS_FORMAT naming the opcode or the global.
 *
 * Values: None -> null, bool, int -> number (bigint beyond 2^53), float -> number, str -> string,
 * bytes -> Uint8Array, list -> array, tuple -> {@link PyTuple}, dict / OrderedDict -> Map,
 * persistent ids -> whatever the caller's `persistentLoad` returns, `_rebuild_tensor_v2` ->
 * {@link TensorRef} (a description: no storage byte is read here).
 */

import { EfficientNetError } from '../errors';

/** Bounds that keep a hostile pickle from using unbounded memory or time. */
export const PICKLE_LIMITS = {
  /** Values on the stack at once (a state dict's SETITEMS batch is at most 2000). */
  stack: 65536,
  /** Open MARKs at once. */
  marks: 1024,
  /** Memo entries. */
  memo: 1 << 20,
  /** Nesting depth of containers. */
  depth: 256,
} as const;

/** A Python tuple. */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** The storage dtypes a state dict can hold, by torch storage class name. */
export const STORAGE_DTYPES = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  UntypedStorage: 'U8',
} as const;

/** The element type of a storage. */
export type StorageDtype = (typeof STORAGE_DTYPES)[keyof typeof STORAGE_DTYPES];

/** A storage class named by GLOBAL (only meaningful inside a persistent id). */
export class StorageType {
  constructor(readonly dtype: StorageDtype) {}
}

/** A tensor described by `torch._utils._rebuild_tensor_v2`: a view into a storage. */
export class TensorRef {
  constructor(
    readonly storage: unknown,
    readonly offset: number,
    readonly size: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

/** An allowed callable. */
class Callable {
  constructor(readonly name: 'OrderedDict' | 'rebuild_tensor' | 'rebuild_parameter') {}
}

const GLOBALS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ['collections.OrderedDict', new Callable('OrderedDict')],
  ['torch._utils._rebuild_tensor_v2', new Callable('rebuild_tensor')],
  ['torch._utils._rebuild_parameter', new Callable('rebuild_parameter')],
  ['torch.storage.UntypedStorage', new StorageType('U8')],
  ...Object.entries(STORAGE_DTYPES)
    .filter(([name]) => name !== 'UntypedStorage')
    .map(([name, dtype]): [string, unknown] => [`torch.${name}`, new StorageType(dtype)]),
]);

function fail(message: string): EfficientNetError {
  return new EfficientNetError('ERR_WEIGHTS_FORMAT', `invalid PyTorch checkpoint: ${message}`);
}

const OPNAMES: Record<number, string> = {
  0x63: 'GLOBAL', 0x93: 'STACK_GLOBAL', 0x52: 'REDUCE', 0x62: 'BUILD', 0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x69: 'INST',
  0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x50: 'PERSID', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
};

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function intList(v: unknown, what: string): number[] {
  if (!(v instanceof PyTuple) || !v.items.every(isNonNegInt) || v.items.length > 8) {
    throw fail(`${what} is not a tuple of at most 8 non-negative integers`);
  }
  return v.items as number[];
}

/** Options of {@link unpickle}. */
export interface UnpickleOptions {
  /** Resolves a BINPERSID id (the storage tuple torch writes); throws for ids it does not know. */
  persistentLoad: (pid: unknown) => unknown;
}

/**
 * Run a pickle program under the restrictions described in the module comment.
 *
 * @param bytes - the pickle (must end with STOP)
 * @param options - the persistent-id resolver
 * @returns the value and the offset just past STOP
 * @throws EfficientNetError ERR_WEIGHTS_FORMAT for a truncated pickle, a missing STOP, a protocol
 *   outside 2..5, an opcode a state dict does not need, a global outside the allow-list (named),
 *   REDUCE/BUILD on anything but the allowed callables, or a bound of {@link PICKLE_LIMITS} exceeded
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): { value: unknown; end: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const depth = new WeakMap<object, number>();
  let pos = 0;

  const need = (n: number): number => {
    if (!(n >= 0) || pos + n > bytes.length) throw fail(`the pickle is truncated at byte ${pos} (needs ${n} more bytes)`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => bytes[need(1)]!;
  const u16 = (): number => dv.getUint16(need(2), true);
  const u32 = (): number => dv.getUint32(need(4), true);
  const u64 = (): number => {
    const at = need(8);
    const hi = dv.getUint32(at + 4, true);
    if (hi > 0x1fffff) throw fail(`a length at byte ${at} is beyond 2^53`);
    return hi * 2 ** 32 + dv.getUint32(at, true);
  };
  const raw = (n: number): Uint8Array => bytes.subarray(need(n), pos);
  const text = (n: number): string => {
    const b = raw(n);
    try {
      return utf8.decode(b);
    } catch {
      throw fail(`a string at byte ${pos - n} is not valid UTF-8`);
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 256) throw fail(`an unterminated or overlong name at byte ${pos}`);
    return text(end - pos + 1).slice(0, -1);
  };
  const push = (v: unknown): void => {
    if (stack.length >= PICKLE_LIMITS.stack) throw fail(`the pickle stack exceeds ${PICKLE_LIMITS.stack} values`);
    stack.push(v);
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) {
      throw fail(`stack underflow at byte ${pos - 1}`);
    }
    return stack.pop();
  };
  const top = (): unknown => {
    const v = pop();
    stack.push(v);
    return v;
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) throw fail(`an opcode at byte ${pos - 1} needs a MARK and there is none`);
    return stack.splice(m);
  };
  const depthOf = (v: unknown): number => (typeof v === 'object' && v !== null ? (depth.get(v) ?? 0) : 0);
  const nest = (parent: object, children: readonly unknown[]): void => {
    let d = depth.get(parent) ?? 0;
    for (const c of children) d = Math.max(d, depthOf(c) + 1);
    if (d > PICKLE_LIMITS.depth) throw fail(`containers nest deeper than ${PICKLE_LIMITS.depth} levels`);
    depth.set(parent, d);
  };
  const tuple = (items: unknown[]): PyTuple => {
    const t = new PyTuple(items);
    nest(t, items);
    return t;
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof Map)) throw fail(`SETITEM(S) on a ${describe(target)} at byte ${pos - 1}`);
    if (items.length % 2 !== 0) throw fail(`SETITEMS with an odd number of values at byte ${pos - 1}`);
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i];
      if (typeof k === 'object' && k !== null && !(k instanceof PyTuple)) throw fail(`a dict key of type ${describe(k)}`);
      target.set(k instanceof PyTuple ? JSON.stringify(k.items.map(String)) : k, items[i + 1]);
    }
    nest(target, items);
  };
  const append = (target: unknown, items: unknown[]): void => {
    if (!Array.isArray(target)) throw fail(`APPEND(S) on a ${describe(target)} at byte ${pos - 1}`);
    for (const v of items) target.push(v);
    nest(target, items);
  };
  const global = (module: string, name: string): unknown => {
    const g = GLOBALS.get(`${module}.${name}`);
    if (g === undefined) throw fail(`the pickle refers to the global ${module}.${name}, which a state dict never needs (refused: loading never runs code)`);
    return g;
  };
  const reduce = (fn: unknown, args: unknown): unknown => {
    if (!(fn instanceof Callable)) throw fail(`REDUCE on ${describe(fn)} (only OrderedDict and tensor rebuilds are allowed)`);
    if (!(args instanceof PyTuple)) throw fail(`REDUCE arguments are a ${describe(args)}, not a tuple`);
    const a = args.items;
    if (fn.name === 'OrderedDict') {
      if (a.length !== 0) throw fail('OrderedDict() with arguments');
      return new Map();
    }
    if (fn.name === 'rebuild_parameter') {
      if (a.length < 1 || !(a[0] instanceof TensorRef)) throw fail('_rebuild_parameter without a tensor');
      return a[0];
    }
    if (a.length < 4) throw fail(`_rebuild_tensor_v2 with ${a.length} arguments`);
    if (!isNonNegInt(a[1])) throw fail('_rebuild_tensor_v2 with a storage offset that is not a non-negative integer');
    const size = intList(a[2], 'a tensor size');
    const stride = intList(a[3], 'a tensor stride');
    if (size.length !== stride.length) throw fail(`a tensor has ${size.length} sizes but ${stride.length} strides`);
    return new TensorRef(a[0], a[1], size, stride);
  };

  for (;;) {
    if (pos >= bytes.length) throw fail('the pickle ends without a STOP opcode (truncated?)');
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const p = u8();
        if (p < 2 || p > 5) throw fail(`pickle protocol ${p} (supported: 2 to 5)`);
        break;
      }
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: // STOP
        if (marks.length > 0) throw fail('STOP with an open MARK');
        if (stack.length !== 1) throw fail(`STOP with ${stack.length} values on the stack`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        if (marks.length >= PICKLE_LIMITS.marks) throw fail(`more than ${PICKLE_LIMITS.marks} nested MARKs`);
        marks.push(stack.length);
        break;
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(dv.getInt32(need(4), true)); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: // LONG1
      case 0x8b: { // LONG4
        const n = op === 0x8a ? u8() : u32();
        if (n > 64) throw fail(`an integer of ${n} bytes at byte ${at}`);
        const b = raw(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: push(dv.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x58: push(text(u32())); break; // BINUNICODE
      case 0x8c: push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: push(text(u64())); break; // BINUNICODE8
      case 0x54: push(text(u32())); break; // BINSTRING (protocol 2 writes str this way only from py2)
      case 0x55: push(text(u8())); break; // SHORT_BINSTRING
      case 0x42: push(raw(u32()).slice()); break; // BINBYTES
      case 0x43: push(raw(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: push(raw(u64()).slice()); break; // BINBYTES8
      case 0x7d: push(new Map()); break; // EMPTY_DICT
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x74: push(tuple(popMark())); break; // TUPLE
      case 0x85: push(tuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); push(tuple([pop(), b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); push(tuple([pop(), b, c])); break; } // TUPLE3
      case 0x6c: { const l = popMark(); const list: unknown[] = []; append(list, l); push(list); break; } // LIST
      case 0x64: { const d = new Map(); setItems(d, popMark()); push(d); break; } // DICT
      case 0x61: { const v = pop(); append(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x71: // BINPUT
      case 0x72: // LONG_BINPUT
      case 0x94: { // MEMOIZE
        const idx = op === 0x71 ? u8() : op === 0x72 ? u32() : memo.size;
        if (memo.size >= PICKLE_LIMITS.memo && !memo.has(idx)) throw fail(`the memo exceeds ${PICKLE_LIMITS.memo} entries`);
        memo.set(idx, top());
        break;
      }
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const idx = op === 0x68 ? u8() : u32();
        if (!memo.has(idx)) throw fail(`memo entry ${idx} read before it was written (byte ${at})`);
        push(memo.get(idx));
        break;
      }
      case 0x63: { // GLOBAL
        const module = line();
        push(global(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw fail(`STACK_GLOBAL on non-strings at byte ${at}`);
        push(global(module, name));
        break;
      }
      case 0x51: // BINPERSID
        push(options.persistentLoad(pop()));
        break;
      case 0x52: { // REDUCE
        const args = pop();
        push(reduce(pop(), args));
        break;
      }
      case 0x62: { // BUILD: only the attribute dict torch puts on a state dict (`_metadata`), dropped
        const state = pop();
        const target = top();
        if (!(target instanceof Map) || !(state instanceof Map || state === null)) {
          throw fail(`BUILD of a ${describe(target)} (only an OrderedDict's attributes are allowed)`);
        }
        break;
      }
      default:
        throw fail(`pickle opcode ${OPNAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`} at byte ${at} is not allowed in a state dict`);
    }
  }
}

/**
 * A short description of an unpickled value for error messages.
 *
 * @param v - the value
 * @returns e.g. 'dict', 'list', 'str', 'StorageType'
 * @throws never
 */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof Map) return 'dict';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return (v as object).constructor.name;
  return typeof v === 'string' ? 'str' : typeof v;
}
