/** The error of the benchmark harness. */

/**
 * Something stops the benchmark that is neither a usage mistake nor a library error: a comparison
 * tool that is not installed, an export that failed, two engines that disagree on the outputs.
 * The `bench` command prints its message and exits 1 (no stack: the message says what to do).
 */
export class BenchError extends Error {
  override name = 'BenchError';
}
