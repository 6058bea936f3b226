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

/** Reads a file, or standard input for "-". */
export async function readInput(file: string): Promise<Buffer> {
  return file === '-' ? readStream(process.stdin) : fs.readFile(file);
}

/** Writes a file, or standard output for "-". */
export async function writeOutput(file: string, data: Uint8Array | string): Promise<void> {
  if (file === '-') {
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(data, (err) => (err ? reject(err) : resolve())),
    );
  } else {
    await fs.writeFile(file, data);
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
