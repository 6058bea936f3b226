/** The facts about the machine that a benchmark figure means nothing without. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { getNative } from '../native';

/** Where the figures were measured. */
export interface MachineFacts {
  /** From /proc/cpuinfo's "model name" (Linux), else what Node reports. */
  cpuModel: string;
  /** Logical cores available to this process. */
  cores: number;
  /** CPU features the native core detected (e.g. avx2, fma, avx512f). */
  cpuFeatures: string[];
  memoryGiB: number;
  platform: string;
  arch: string;
  kernelRelease: string;
  node: string;
}

/** Node's os.cpus() model is often empty inside VMs and containers; /proc/cpuinfo is not. */
function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1]!.trim();
  } catch {
    // not Linux: fall through to what Node knows
  }
  return os.cpus()[0]?.model.trim() || 'unknown';
}

/**
 * Collects the machine facts for a benchmark report.
 * @throws {EfficientNetError} ERR_NATIVE_LOAD when the native addon cannot be loaded
 */
export function machineFacts(): MachineFacts {
  return {
    cpuModel: cpuModel(),
    cores: os.availableParallelism(),
    cpuFeatures: getNative().info().cpuFeatures,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: os.platform(),
    arch: os.arch(),
    kernelRelease: os.release(),
    node: process.versions.node,
  };
}
