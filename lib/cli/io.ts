/**
 * Small helpers every CLI command shares: reading a path or stdin ("-"), writing a path or
 * stdout ("-"), and the usage-error type that maps to exit code 2.
 */
import { promises as fs } from 'node:fs';

/** A mistake in the command line itself (exit code 2, usage hint printed). */
export class UsageError extends Error {
  override name = 'UsageError';
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

// What a file-system error code means, in the words of the one-line message.
const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
};

/**
 * The one-line message for a file-system error (`PATH: what is wrong`), or undefined when `err`
 * is not one. Node's fs errors carry `code` and `path`.
 * @throws never
 */
export function fileErrorMessage(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!(e instanceof Error) || typeof e.code !== 'string' || typeof e.path !== 'string') return undefined;
  return `${e.path}: ${FILE_PROBLEMS[e.code] ?? e.code}`;
}

/** Reads a file, or standard input for "-". */
export async function readInput(file: string): Promise<Buffer> {
  if (file === '-') return readStream(process.stdin);
  try {
    return await fs.readFile(file);
  } catch (err) {
    // Reading a folder fails in read(2), whose error carries no path: add it for the message.
    const e = err as NodeJS.ErrnoException;
    e.path ??= file;
    throw e;
  }
}

/**
 * Writes a file, or standard output for "-".
 * @throws {UsageError} naming the path when it cannot be written
 */
export async function writeOutput(file: string, data: Uint8Array | string): Promise<void> {
  if (file === '-') {
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(data, (err) => (err ? reject(err) : resolve())),
    );
  } else {
    try {
      await fs.writeFile(file, data);
    } catch (err) {
      // An output path that cannot be written is a mistake in the command line (exit 2).
      throw new UsageError(fileErrorMessage(err) ?? `${file}: ${(err as Error).message}`);
    }
  }
}

/** Splits "b0,b3" into ["b0", "b3"], dropping empty items. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Parses a finite number option or throws a UsageError naming it. */
export function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got "${value}"`);
  return n;
}
