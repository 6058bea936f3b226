/**
 * One-image input buffers, reused from one classify call to the next.
 *
 * Each call's preprocessed image is a fresh 588 KiB array (B0) otherwise, outside the JS heap: a
 * server classifying 150 images/s makes ~90 MB/s of such garbage, and V8 answers external memory
 * with full collections, several a second, each stealing time from the cores the network runs on.
 * A call takes a buffer here, the core copies it when its run is queued (native/binding/model_wrap.cc),
 * and the call gives it back when its result is out.
 */

/** At most this many bytes of free buffers are kept, whatever `wanted` says (B7 at 600 px: 7 buffers). */
const KEPT_BYTES = 32 * 1024 * 1024;

/** Free buffers of one size. */
export class InputPool {
  readonly #floats: number;
  readonly #keep: number;
  readonly #free: Float32Array[] = [];

  /**
   * @param floatsPerImage - one preprocessed image's floats (3 * resolution^2)
   * @param wanted - how many free buffers are worth keeping (a batch's worth is taken at once)
   * @throws never
   */
  constructor(floatsPerImage: number, wanted: number) {
    this.#floats = floatsPerImage;
    this.#keep = Math.min(wanted, Math.floor(KEPT_BYTES / (floatsPerImage * 4)));
  }

  /** A buffer of one image's floats (contents unspecified). */
  take(): Float32Array {
    return this.#free.pop() ?? new Float32Array(this.#floats);
  }

  /** Returns a buffer taken here; dropped when enough are kept already. */
  give(buffer: Float32Array): void {
    if (this.#free.length < this.#keep && buffer.length === this.#floats) this.#free.push(buffer);
  }

  /** Frees what is kept (the model is disposed). */
  clear(): void {
    this.#free.length = 0;
  }
}
