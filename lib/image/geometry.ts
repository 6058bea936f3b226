/**
 * The integer geometry of the policies, matching the reference implementations to the pixel:
 * torchvision 0.14 `_compute_resized_output_size` and `center_crop`, and the TF reference eval's
 * `_decode_and_center_crop`. Kept apart from the pixel code so each rounding rule is tested alone.
 */

/** A rectangle in pixels; `left`/`top` may be negative when a crop reaches past the image (padding). */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Python 3's round() for the values met here (multiples of 0.5): halves go to the EVEN neighbour.
 * torchvision's centre crop uses `int(round((h - crop) / 2.0))`, so a 2.5 offset is 2, not 3.
 */
export function pythonRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * torchvision `Resize(size)` with an int: the shorter side becomes `size`, the longer
 * `int(size * long / short)` (truncated); a square counts as "width is the short side".
 *
 * @param width - image width
 * @param height - image height
 * @param size - the new shorter side
 * @returns the resized width and height
 * @throws never
 */
export function resizeShorterSide(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.trunc((size * height) / width) };
  return { width: Math.trunc((size * width) / height), height: size };
}

/**
 * torchvision `CenterCrop(crop)`: where the crop's top-left corner falls in the image. When the
 * crop is larger than the image, torchvision first pads with zeros ((crop - w) // 2 on the left,
 * the rest on the right), which shows up here as a negative offset.
 *
 * @param width - image width
 * @param height - image height
 * @param crop - square crop side
 * @returns the crop rectangle in image coordinates
 * @throws never
 */
export function centerCropRect(width: number, height: number, crop: number): Rect {
  const padLeft = crop > width ? Math.floor((crop - width) / 2) : 0;
  const padTop = crop > height ? Math.floor((crop - height) / 2) : 0;
  const paddedW = crop > width ? crop : width;
  const paddedH = crop > height ? crop : height;
  const top = pythonRound((paddedH - crop) / 2);
  const left = pythonRound((paddedW - crop) / 2);
  return { left: left - padLeft, top: top - padTop, width: crop, height: crop };
}

/**
 * The TF reference eval's crop: a centred square of `int(fraction * min(h, w))` pixels (computed
 * in float32 as TF does), offsets `((h - c) + 1) // 2`. At least one pixel, so a tiny image still
 * yields something to resize.
 *
 * @param width - image width
 * @param height - image height
 * @param fraction - size / (size + 32)
 * @returns the crop rectangle, inside the image
 * @throws never
 */
export function tfCenterCropRect(width: number, height: number, fraction: number): Rect {
  const c = Math.max(1, Math.trunc(Math.fround(Math.fround(fraction) * Math.min(width, height))));
  return { left: Math.floor((width - c + 1) / 2), top: Math.floor((height - c + 1) / 2), width: c, height: c };
}

/**
 * The part of `rect` that lies inside a width x height image (empty when none does).
 *
 * @throws never
 */
export function intersect(rect: Rect, width: number, height: number): Rect {
  const left = Math.max(rect.left, 0);
  const top = Math.max(rect.top, 0);
  const right = Math.min(rect.left + rect.width, width);
  const bottom = Math.min(rect.top + rect.height, height);
  return { left, top, width: Math.max(right - left, 0), height: Math.max(bottom - top, 0) };
}
