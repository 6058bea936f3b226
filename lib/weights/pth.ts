/**
 * PyTorch checkpoints (`torch.save`) read without running code:
 * - the zip format (torch >= 1.6): `<prefix>/data.pkl` (the pickle), `<prefix>/data/<key>` (one
 *   raw storage per key), `<prefix>/byteorder` ('little' or 'big'; absent means little), any
 *   archive prefix;
 * - the legacy format: five things back to back: pickle(magic number), pickle(protocol 1001),
 *   pickle(sys info with `little_endian`), the pickle of the object, pickle(list of storage keys),
 *   then per key in that order an int64 element count and the raw elements.
 * The pickle goes through the restricted unpickler of pickle.ts. Tensors are descriptions until a
 * state-dict entry is materialized, so an optimizer state next to the weights is never built.
 */

import { EfficientNetError } from '../errors';
import { describe, PyTuple, StorageType, TensorRef, unpickle, type StorageDtype, type UnpickleOptions } from './pickle';
import { decodeTensorBytes, type TensorData } from './safetensors';
import { isZip, readZipDirectory, readZipEntry } from './zip';

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;
const ELEMENT_SIZE: Record<StorageDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, U8: 1 };

/** The keys under which training scripts keep the model's state dict, in the order tried. */
export const CHECKPOINT_KEYS = ['model', 'state_dict', 'model_state_dict', 'state_dict_ema', 'model_ema'] as const;

/** The prefix nn.DataParallel / DistributedDataParallel put on every key. */
const DATA_PARALLEL_PREFIX = 'module.';

function fail(message: string): EfficientNetError {
  return new EfficientNetError('ERR_WEIGHTS_FORMAT', `invalid PyTorch checkpoint: ${message}`);
}

/** One storage: its element type and its raw bytes in the file's byte order. */
interface Storage {
  dtype: StorageDtype;
  numel: number;
  bytes: Uint8Array;
}

/**
 * True when the bytes look like a `torch.save` file (zip archive or legacy pickle).
 *
 * @param bytes - the file
 * @returns whether it starts with a zip local header, or with a protocol 2-5 pickle whose first
 *   opcode is LONG1 (the legacy magic number) or FRAME; byte 8 must not be the '{' that opens a
 *   safetensors header (whose 8-byte length could start with the same two bytes)
 * @throws never
 */
export function isPth(bytes: Uint8Array): boolean {
  if (isZip(bytes)) return true;
  return bytes.length >= 9 && bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5 &&
    (bytes[2] === 0x8a || bytes[2] === 0x95) && bytes[8] !== 0x7b;
}

function storageId(pid: unknown): { type: StorageType; key: string; numel: number; rest: readonly unknown[] } {
  if (!(pid instanceof PyTuple) || pid.items.length < 5 || pid.items[0] !== 'storage') {
    throw fail(`a persistent id that is not a ('storage', ...) tuple but a ${describe(pid)}`);
  }
  const [, type, key, , numel, ...rest] = pid.items;
  if (!(type instanceof StorageType)) throw fail(`a storage of type ${describe(type)}`);
  if (typeof key !== 'string' || key.length > 64) throw fail('a storage key that is not a short string');
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) throw fail(`storage ${key} has an invalid element count`);
  return { type, key, numel, rest };
}

function readZipPth(bytes: Uint8Array): { root: unknown; storages: Map<string, Storage>; bigEndian: boolean } {
  const entries = readZipDirectory(bytes);
  const pkls = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) throw fail(`a zip archive with ${pkls.length} '<prefix>/data.pkl' entries (expected 1): not a torch.save file`);
  const prefix = pkls[0]!.slice(0, -'data.pkl'.length);
  const order = entries.get(`${prefix}byteorder`);
  let bigEndian = false;
  if (order) {
    const text = new TextDecoder().decode(readZipEntry(bytes, order));
    if (text !== 'little' && text !== 'big') throw fail(`byteorder '${text.slice(0, 16)}' (expected little or big)`);
    bigEndian = text === 'big';
  }
  const storages = new Map<string, Storage>();
  const { value } = unpickle(readZipEntry(bytes, entries.get(pkls[0]!)!), {
    persistentLoad: (pid) => {
      const { type, key, numel } = storageId(pid);
      const known = storages.get(key);
      if (known) return known;
      const entry = entries.get(`${prefix}data/${key}`);
      if (!entry) throw fail(`storage ${key} has no entry ${prefix}data/${key} in the archive`);
      const need = numel * ELEMENT_SIZE[type.dtype];
      if (entry.size !== need) throw fail(`storage ${key} declares ${numel} ${type.dtype} elements (${need} bytes) but its entry holds ${entry.size} bytes`);
      const s: Storage = { dtype: type.dtype, numel, bytes: readZipEntry(bytes, entry) };
      storages.set(key, s);
      return s;
    },
  });
  return { root: value, storages, bigEndian };
}

function readLegacyPth(bytes: Uint8Array): { root: unknown; storages: Map<string, Storage>; bigEndian: boolean } {
  const noPid: UnpickleOptions = { persistentLoad: () => { throw fail('a persistent id in the legacy header'); } };
  let at = 0;
  const next = (options = noPid): unknown => {
    const r = unpickle(bytes.subarray(at), options);
    at += r.end;
    return r.value;
  };
  const magic = next();
  if (magic !== LEGACY_MAGIC) throw fail('a pickle that is not a torch.save file (no legacy magic number and not a zip archive)');
  const protocol = next();
  if (protocol !== LEGACY_PROTOCOL) throw fail(`legacy protocol version ${String(protocol)} (expected ${LEGACY_PROTOCOL})`);
  const sysInfo = next();
  if (!(sysInfo instanceof Map)) throw fail('legacy sys info is not a dict');
  const bigEndian = sysInfo.get('little_endian') === false;

  const declared = new Map<string, Storage>();
  const root = next({
    persistentLoad: (pid) => {
      const { type, key, numel, rest } = storageId(pid);
      if (rest.length > 0 && rest[0] !== null) throw fail(`storage ${key} is a legacy storage view (written by torch < 1.0), not supported`);
      const known = declared.get(key);
      if (known) {
        if (known.dtype !== type.dtype || known.numel !== numel) throw fail(`storage ${key} is declared twice differently`);
        return known;
      }
      const s: Storage = { dtype: type.dtype, numel, bytes: new Uint8Array(0) };
      declared.set(key, s);
      return s;
    },
  });
  const keys = next();
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw fail('the legacy storage key list is not a list of strings');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys as string[]) {
    const s = declared.get(key);
    if (!s) throw fail(`the legacy key list names storage ${key}, which the pickle never uses`);
    if (at + 8 > bytes.length) throw fail(`storage ${key} is missing (truncated file)`);
    const lo = dv.getUint32(at + (bigEndian ? 4 : 0), !bigEndian);
    const hi = dv.getUint32(at + (bigEndian ? 0 : 4), !bigEndian);
    const numel = hi * 2 ** 32 + lo;
    if (numel !== s.numel) throw fail(`storage ${key} holds ${numel} elements but the pickle declares ${s.numel}`);
    const n = numel * ELEMENT_SIZE[s.dtype];
    if (at + 8 + n > bytes.length) throw fail(`storage ${key} needs ${n} bytes at ${at + 8} but the file ends at ${bytes.length} (truncated file?)`);
    s.bytes = bytes.subarray(at + 8, at + 8 + n);
    at += 8 + n;
  }
  for (const [key, s] of declared) {
    if (s.bytes.length !== s.numel * ELEMENT_SIZE[s.dtype]) throw fail(`storage ${key} is used but not in the storage list`);
  }
  return { root, storages: declared, bigEndian };
}

/** The state dict inside what torch.load would return: itself, or the entry of a training checkpoint. */
function stateDictOf(root: unknown): { dict: Map<unknown, unknown>; path: string } {
  if (!(root instanceof Map)) throw fail(`the checkpoint holds a ${describe(root)}, not a state dict (a dict of tensors)`);
  for (const k of CHECKPOINT_KEYS) {
    const v = root.get(k);
    if (v instanceof Map) return { dict: v, path: `['${k}']` };
  }
  return { dict: root, path: '' };
}

function materialize(name: string, t: TensorRef, bigEndian: boolean): TensorData {
  const s = t.storage;
  if (!(typeof s === 'object' && s !== null && 'dtype' in s && 'bytes' in s)) throw fail(`tensor ${name} has no storage`);
  const { dtype, numel: storageNumel, bytes } = s as Storage;
  if (dtype === 'U8') throw fail(`tensor ${name} is a uint8 tensor (untyped storage); expected float weights`);
  let numel = 1;
  let last = t.offset;
  for (let d = 0; d < t.size.length; d++) {
    numel *= t.size[d]!;
    if (t.size[d]! > 0) last += (t.size[d]! - 1) * t.stride[d]!;
  }
  // A weight never has more elements than its storage; a stride-0 view that did would also make
  // the copy below as large as the shape claims, not as the file.
  if (numel > storageNumel) {
    throw fail(`tensor ${name} has ${numel} elements (size [${t.size.join(', ')}]) but its storage only ${storageNumel}`);
  }
  if (numel > 0 && last >= storageNumel) {
    throw fail(`tensor ${name} (offset ${t.offset}, size [${t.size.join(', ')}], stride [${t.stride.join(', ')}]) reaches element ${last} of a ${storageNumel}-element storage`);
  }
  // Gather the view into contiguous little-endian bytes (views, strides and byte order in one pass).
  const es = ELEMENT_SIZE[dtype];
  const out = new Uint8Array(numel * es);
  if (!bigEndian && isContiguous(t)) {
    out.set(bytes.subarray(t.offset * es, (t.offset + numel) * es));
    return decoded(dtype, t.size.slice(), out);
  }
  const idx = new Array<number>(t.size.length).fill(0);
  for (let i = 0; i < numel; i++) {
    let e = t.offset;
    for (let d = 0; d < idx.length; d++) e += idx[d]! * t.stride[d]!;
    const src = e * es;
    for (let b = 0; b < es; b++) out[i * es + b] = bytes[src + (bigEndian ? es - 1 - b : b)]!;
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d]! < t.size[d]!) break;
      idx[d] = 0;
    }
  }
  return decoded(dtype, t.size.slice(), out);
}

// Row-major strides (size-1 dimensions may have any stride).
function isContiguous(t: TensorRef): boolean {
  let expected = 1;
  for (let d = t.size.length - 1; d >= 0; d--) {
    if (t.size[d] !== 1 && t.stride[d] !== expected) return false;
    expected *= t.size[d]!;
  }
  return true;
}

function decoded(dtype: Exclude<StorageDtype, 'U8'>, shape: number[], littleEndian: Uint8Array): TensorData {
  if (dtype === 'F64') return { dtype: 'F32', shape, data: Float32Array.from(new Float64Array(littleEndian.buffer)) };
  return { dtype, shape, data: decodeTensorBytes(dtype, littleEndian) };
}

/**
 * Read the state dict of a `torch.save` file (zip or legacy format). A training checkpoint's state
 * dict is taken from its first key of {@link CHECKPOINT_KEYS} holding a dict (the rest, e.g. the
 * optimizer state, is parsed but never materialized); a `module.` prefix on every key is removed.
 *
 * @param bytes - the whole file
 * @returns tensor name -> tensor, in file order (F16/BF16/F64 become float32; views copied out)
 * @throws EfficientNetError ERR_WEIGHTS_FORMAT for anything that is not a plain state dict of
 *   float/int64 tensors: a global outside the allow-list (named), a disallowed opcode, a truncated
 *   or bomb archive, a tensor outside its storage, a non-tensor entry, bounds of pickle.ts/zip.ts
 */
export function parsePth(bytes: Uint8Array): Map<string, TensorData> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`Expected a Uint8Array or Buffer for bytes but received ${typeof bytes}`);
  const { root, bigEndian } = isZip(bytes) ? readZipPth(bytes) : readLegacyPth(bytes);
  const { dict, path } = stateDictOf(root);
  const keys = [...dict.keys()];
  const strip = keys.length > 0 && keys.every((k) => typeof k === 'string' && k.startsWith(DATA_PARALLEL_PREFIX));
  const out = new Map<string, TensorData>();
  for (const [k, v] of dict) {
    if (typeof k !== 'string') throw fail(`the state dict${path} has a key of type ${describe(k)}`);
    if (!(v instanceof TensorRef)) throw fail(`state dict${path} entry '${k}' is a ${describe(v)}, not a tensor`);
    const name = strip ? k.slice(DATA_PARALLEL_PREFIX.length) : k;
    out.set(name, materialize(name, v, bigEndian));
  }
  return out;
}
