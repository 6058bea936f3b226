/**
 * The one command-line parser every command uses: node's parseArgs, with the checks it leaves to
 * us done first so that every mistake reads the same way.
 * - An unknown option or command is named, with the closest known one when it is close
 *   (`unknown option --weight (did you mean --weights?)`).
 * - A negative number after an option that takes a value (`--phi -1`, `--bn-eps -1e-3`) is that
 *   option's value; parseArgs alone would refuse it as ambiguous.
 * All of these are UsageErrors (exit code 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Levenshtein distance, for suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/**
 * The known word closest to `word` when it is a plausible typo (or a prefix), else undefined.
 * @throws never
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = k.startsWith(word) && word.length >= 2 ? 0.5 : distance(word, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * `unknown KIND NAME`, with a suggestion when one is close.
 * @throws never
 */
export function unknownMessage(kind: string, name: string, known: readonly string[], prefix = ''): string {
  const near = closest(name, known);
  return `unknown ${kind} ${prefix}${name}${near === undefined ? '' : ` (did you mean ${prefix}${near}?)`}`;
}

const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * Parses a command's arguments.
 * @param argv - the arguments after the command name
 * @param options - parseArgs option specs (every command has `help`)
 * @param allowPositionals - whether operands are accepted
 * @throws {UsageError} for an unknown option, a missing value, or operands where none are taken
 */
export function parseCommandArgs<O extends Options>(
  argv: string[],
  options: O,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>> {
  const longs = Object.keys(options);
  const shorts = new Map(Object.entries(options).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])));
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('--')) {
      const name = a.slice(2).split('=')[0]!;
      if (!longs.includes(name)) throw new UsageError(unknownMessage('option', name, longs, '--'));
      const spec = options[name]!;
      if (spec.type === 'string' && !a.includes('=')) {
        const next = argv[i + 1];
        if (next === undefined) throw new UsageError(`--${name} needs a value`);
        if (next.startsWith('-') && !NEGATIVE_NUMBER.test(next) && next !== '-') throw new UsageError(`--${name} needs a value, got the option ${next}`);
        args.push(`--${name}=${next}`);
        i++;
        continue;
      }
    } else if (a.startsWith('-') && a !== '-' && !NEGATIVE_NUMBER.test(a)) {
      for (const c of a.slice(1)) {
        if (!shorts.has(c)) throw new UsageError(`unknown option -${c}`);
      }
      const name = shorts.get(a[1]!)!;
      if (a.length === 2 && options[name]!.type === 'string') {
        const next = argv[i + 1];
        if (next === undefined) throw new UsageError(`${a} needs a value`);
        args.push(`--${name}=${next}`);
        i++;
        continue;
      }
    } else if (!allowPositionals) {
      throw new UsageError(`unexpected argument "${a}" (this command takes options only)`);
    }
    args.push(a);
  }
  return parseArgs({ args, options, strict: true, allowPositionals: true });
}

// The API options the CLI's flags set, by the flag's name.
const FLAG_OF: Record<string, string> = {
  variant: 'variant',
  topK: 'top',
  classIndex: 'class',
  alpha: 'alpha',
  maxPixels: 'max-pixels',
  concurrency: 'concurrency',
  threads: 'threads',
  bnEps: 'bn-eps',
  padding: 'padding',
  format: 'format',
  'scaling.phi': 'phi',
  'scaling.width': 'width',
  'scaling.depth': 'depth',
  'scaling.resolution': 'resolution',
};

/**
 * An API message in the CLI's words: `options.topK` becomes `--top`, `scaling.phi` becomes `--phi`.
 * @throws never
 */
export function flagNames(message: string): string {
  return message.replace(/\b(?:options\.([A-Za-z]+)|(scaling\.[a-z]+))\b/g, (all, option?: string, scaling?: string) => {
    const flag = FLAG_OF[option ?? scaling ?? ''];
    return flag === undefined ? all : `--${flag}`;
  });
}
