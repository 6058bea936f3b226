/**
 * The ONNX model onnxruntime runs in the comparison: torchvision's EfficientNet exported by
 * tools/onnx/export.py on the SAME seeded weights our model uses. Exports take seconds and need
 * Debian's python3-torch, so they are cached, keyed by a hash of the weights and of the export
 * script: a change to the seeded init or to the export makes a new file instead of silently
 * benchmarking stale weights.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveArch, type VariantName } from '../arch';
import { PACKAGE_ROOT } from '../native';
import { seededStateDict, writeSafetensors } from '../weights';
import { BenchError } from './bench-error';

/** The export script (in a checkout; tools/ is not part of the published package). */
export const EXPORT_SCRIPT = path.join(PACKAGE_ROOT, 'tools', 'onnx', 'export.py');

/** Default cache directory (git-ignored). */
export const DEFAULT_CACHE_DIR = path.join(PACKAGE_ROOT, 'bench', '.cache');

/** What {@link ensureOnnxModel} needs. */
export interface OnnxModelRequest {
  variant: VariantName;
  seed: number;
  cacheDir: string;
  /** The Python with torch and torchvision (default python3). */
  python: string;
  /** Told before a slow export starts. */
  onExport?: (message: string) => void;
}

/**
 * Whether `python` can import torch and torchvision (what the export needs).
 * @throws never
 */
export function hasTorch(python: string): boolean {
  const r = spawnSync(python, ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * The path of the cached ONNX export for a variant and seed, exporting it first if it is missing.
 * @returns the .onnx path
 * @throws {BenchError} when the export is missing and cannot be made (no export script, no
 *   Python with torch: the message says how to produce the file), or when the export fails
 */
export function ensureOnnxModel(req: OnnxModelRequest): string {
  const arch = resolveArch(req.variant);
  // The torchvision naming: the export loads the file with load_state_dict(strict=True).
  const weights = writeSafetensors(seededStateDict(arch, req.seed, 'torchvision'));
  const hash = createHash('sha256').update(weights);
  if (existsSync(EXPORT_SCRIPT)) hash.update(readFileSync(EXPORT_SCRIPT));
  const stem = `efficientnet_${req.variant}-seed${req.seed}-${hash.digest('hex').slice(0, 12)}`;
  const onnxPath = path.join(req.cacheDir, `${stem}.onnx`);
  if (existsSync(onnxPath)) return onnxPath;

  mkdirSync(req.cacheDir, { recursive: true });
  const weightsPath = path.join(req.cacheDir, `${stem}.safetensors`);
  const exportArgs = [EXPORT_SCRIPT, '--variant', req.variant, '--weights', weightsPath, '--output', onnxPath, '--batch-dynamic'];
  if (!existsSync(EXPORT_SCRIPT)) {
    throw new BenchError(
      `No ONNX model for ${req.variant} (seed ${req.seed}) at ${onnxPath}, and the export script ${EXPORT_SCRIPT} ` +
        'is not here: the onnxruntime comparison runs from a checkout of the repository',
    );
  }
  writeFileSync(weightsPath, weights);
  if (!hasTorch(req.python)) {
    // The weights file stays, so the export can be run elsewhere and the model copied back.
    throw new BenchError(
      `No ONNX model for ${req.variant} (seed ${req.seed}) at ${onnxPath}, and ${req.python} cannot import torch and ` +
        'torchvision to export it. Install them (Debian: apt-get install python3-torch python3-torchvision python3-onnx; ' +
        'or point --python at a Python that has them), or run on a machine that has them\n' +
        `  python3 ${exportArgs.join(' ')}\n` +
        `with the weights file the bench has just written (${weightsPath}), and copy the .onnx to ${onnxPath}`,
    );
  }
  req.onExport?.(`exporting ${req.variant} (seed ${req.seed}) to ONNX with torch: ${path.basename(onnxPath)}`);
  const r = spawnSync(req.python, exportArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    const tail = `${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim().split('\n').slice(-15).join('\n');
    throw new BenchError(`ONNX export of ${req.variant} failed (${req.python} ${exportArgs.join(' ')}):\n${tail}`);
  }
  rmSync(weightsPath, { force: true });
  return onnxPath;
}
