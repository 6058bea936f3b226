/**
 * Progress on stderr while the benchmark runs (stdout is kept for the table and JSON). On a
 * terminal one status line is rewritten in place; elsewhere (CI logs, pipes) carriage returns
 * would pile up into one unreadable line, so only whole lines are written, and fewer of them.
 */

import { performance } from 'node:perf_hooks';

const STATUS_INTERVAL_MS = 100;

/** Where progress goes. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Writes progress to a stream, live on a terminal and as plain lines elsewhere. */
export class Progress {
  readonly #stream: ProgressStream;
  readonly #live: boolean;
  #shown = false;
  #lastStatus = -Infinity;

  /**
   * @param stream - usually process.stderr
   * @param live - rewrite a status line in place (default: whether the stream is a terminal)
   */
  constructor(stream: ProgressStream, live: boolean = stream.isTTY === true) {
    this.#stream = stream;
    this.#live = live;
  }

  /**
   * A passing status (every sample): shown on a terminal only, at most every 100 ms (a fast
   * engine finishes a run every few milliseconds; nobody reads that fast).
   */
  status(text: string): void {
    if (!this.#live || performance.now() - this.#lastStatus < STATUS_INTERVAL_MS) return;
    this.#show(text);
  }

  /** A step worth a line in a log (a finished round): a status on a terminal, a line elsewhere. */
  step(text: string): void {
    if (this.#live) this.#show(text);
    else this.line(text);
  }

  /** A line kept on every kind of stream (a finished row, a note). */
  line(text: string): void {
    this.#stream.write(`${this.#shown ? '\r\x1b[K' : ''}${text}\n`);
    this.#shown = false;
  }

  #show(text: string): void {
    this.#stream.write(`\r\x1b[K${text}`);
    this.#shown = true;
    this.#lastStatus = performance.now();
  }

  /** Clears a status line left on the terminal (before the table is printed). */
  clear(): void {
    if (this.#shown) this.#stream.write('\r\x1b[K');
    this.#shown = false;
  }
}
