/**
 * A strict reader for the zip archives `torch.save` writes (PKWARE APPNOTE 6.3: end of central
 * directory, zip64 end record, central directory, local headers). Entries are stored (what torch
 * writes) or deflated (what re-zipping tools write), read with node:zlib. The archive is untrusted:
 * every offset is checked against the file, entries may not overlap (a classic zip-bomb trick), and
 * inflating stops at the declared size, which itself is bounded by a compression ratio.
 */

import { inflateRawSync } from 'node:zlib';
import { EfficientNetError } from '../errors';

/** Limits on declared sizes (hostile archives). */
export const ZIP_LIMITS = {
  /** Entries in one archive (a state dict has one per storage, a few thousand at most). */
  entries: 100_000,
  /** Largest accepted ratio of inflated to compressed size (deflate's own maximum is ~1032). */
  ratio: 1100,
} as const;

/** One file of the archive. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the local header. */
  headerOffset: number;
  /** Offset of the (compressed) data. */
  dataOffset: number;
}

function fail(message: string): EfficientNetError {
  return new EfficientNetError('ERR_WEIGHTS_FORMAT', `invalid PyTorch checkpoint (zip): ${message}`);
}

/**
 * True when the bytes start like a zip archive (a local file header).
 *
 * @param bytes - the file
 * @returns whether the first 4 bytes are `PK\x03\x04`
 * @throws never
 */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * List the entries of an archive from its central directory.
 *
 * @param bytes - the whole archive
 * @returns name -> entry
 * @throws EfficientNetError ERR_WEIGHTS_FORMAT when the end record is missing, a record lies outside
 *   the file, a name repeats, an entry is encrypted or uses a method other than stored/deflate,
 *   entries overlap, or a declared size is beyond {@link ZIP_LIMITS}
 */
export function readZipDirectory(bytes: Uint8Array): Map<string, ZipEntry> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  let eocd = -1;
  for (let i = len - 22; i >= Math.max(0, len - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw fail('no end-of-central-directory record (truncated file?)');
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  const u64 = (at: number): number => {
    if (at + 8 > len) throw fail(`a zip64 field at ${at} lies beyond the file`);
    const hi = dv.getUint32(at + 4, true);
    if (hi > 0x1fffff) throw fail(`a zip64 field at ${at} is beyond 2^53`);
    return hi * 2 ** 32 + dv.getUint32(at, true);
  };
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== 0x07064b50) throw fail('a zip64 archive without its end locator');
    const rec = u64(loc + 8);
    if (rec + 56 > len || dv.getUint32(rec, true) !== 0x06064b50) throw fail('the zip64 end record is missing or outside the file');
    count = u64(rec + 32);
    cdSize = u64(rec + 40);
    cdOffset = u64(rec + 48);
  }
  if (count > ZIP_LIMITS.entries) throw fail(`the archive declares ${count} entries (limit ${ZIP_LIMITS.entries})`);
  if (cdOffset + cdSize > len) throw fail(`the central directory [${cdOffset}, ${cdOffset + cdSize}) lies beyond the file (${len} bytes)`);

  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  const names = new TextDecoder('utf-8', { fatal: false });
  for (let n = 0; n < count; n++) {
    if (p + 46 > cdOffset + cdSize || dv.getUint32(p, true) !== 0x02014b50) throw fail(`central directory entry ${n} is missing or corrupt`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let headerOffset = dv.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdOffset + cdSize) throw fail(`central directory entry ${n} runs past the directory`);
    const name = names.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information: the 0xffffffff fields, in order, in extra block 0x0001.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = dv.getUint16(e, true);
      const sz = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) { size = u64(q); q += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = u64(q); q += 8; }
        if (headerOffset === 0xffffffff) { headerOffset = u64(q); q += 8; }
      }
      e += 4 + sz;
    }
    if (flags & 0x1) throw fail(`entry ${name} is encrypted`);
    if (method !== 0 && method !== 8) throw fail(`entry ${name} uses compression method ${method} (only stored and deflate are read)`);
    if (method === 0 && compressedSize !== size) throw fail(`stored entry ${name} declares ${compressedSize} bytes stored but ${size} bytes of content`);
    if (method === 8 && size > Math.max(1024, compressedSize * ZIP_LIMITS.ratio)) {
      throw fail(`entry ${name} declares ${size} bytes from ${compressedSize} compressed (a zip bomb?)`);
    }
    if (headerOffset + 30 > len || dv.getUint32(headerOffset, true) !== 0x04034b50) throw fail(`entry ${name}: no local header at ${headerOffset}`);
    const dataOffset = headerOffset + 30 + dv.getUint16(headerOffset + 26, true) + dv.getUint16(headerOffset + 28, true);
    if (dataOffset + compressedSize > len) throw fail(`entry ${name} [${dataOffset}, ${dataOffset + compressedSize}) lies beyond the file (${len} bytes)`);
    if (entries.has(name)) throw fail(`entry ${name} appears twice`);
    entries.set(name, { name, method, compressedSize, size, headerOffset, dataOffset });
    p = end;
  }
  const sorted = [...entries.values()].sort((a, b) => a.headerOffset - b.headerOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    if (sorted[i]!.headerOffset < prev.dataOffset + prev.compressedSize) {
      throw fail(`entries ${prev.name} and ${sorted[i]!.name} overlap`);
    }
  }
  return entries;
}

/**
 * The content of one entry.
 *
 * @param bytes - the whole archive
 * @param entry - from {@link readZipDirectory}
 * @returns the bytes (a view into `bytes` for stored entries)
 * @throws EfficientNetError ERR_WEIGHTS_FORMAT when deflated data is corrupt or does not inflate to
 *   exactly the declared size
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const data = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  if (entry.method === 0) return data;
  let out: Buffer;
  try {
    // maxOutputLength stops a stream that inflates past its declared size without producing it.
    out = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) });
  } catch (err) {
    throw fail(`entry ${entry.name} does not inflate to its declared ${entry.size} bytes (${(err as Error).message})`);
  }
  if (out.length !== entry.size) throw fail(`entry ${entry.name} inflates to ${out.length} bytes but declares ${entry.size}`);
  return out;
}
