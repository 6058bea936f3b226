/**
 * Image operands as a person gives them: files, and folders of photos. A folder stands for the
 * images in it, sorted by name (with `recursive`, those of its subfolders too, depth first in name
 * order); files in it that are not images by extension are skipped and counted. A path that does
 * not exist is passed on as given, so the command reports it like any unreadable file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The extensions of the formats the image reader decodes. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp', '.avif', '.tif', '.tiff', '.gif'];

/** The files an operand list stands for. */
export interface ExpandedInputs {
  files: string[];
  /** Files inside the folders given that are not images (skipped). */
  skipped: number;
  /** Subfolders not entered (without `recursive`). */
  subfolders: number;
}

/**
 * Expands folder operands into their images.
 * @param operands - paths as given on the command line
 * @param recursive - also the images in subfolders
 * @throws the file system's error for a folder that cannot be listed
 */
export async function expandImageInputs(operands: readonly string[], recursive: boolean): Promise<ExpandedInputs> {
  const out: ExpandedInputs = { files: [], skipped: 0, subfolders: 0 };
  const walk = async (dir: string): Promise<void> => {
    const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (recursive) await walk(full);
        else out.subfolders++;
      } else if (IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) {
        out.files.push(full);
      } else {
        out.skipped++;
      }
    }
  };
  for (const operand of operands) {
    const stat = await fs.stat(operand).catch(() => undefined);
    if (stat?.isDirectory()) await walk(operand);
    else out.files.push(operand);
  }
  return out;
}

/**
 * The stderr note for what a folder expansion left out, or undefined when nothing was.
 * @throws never
 */
export function skippedNote(inputs: ExpandedInputs): string | undefined {
  const parts: string[] = [];
  if (inputs.skipped > 0) parts.push(`skipped ${inputs.skipped} non-image file${inputs.skipped === 1 ? '' : 's'}`);
  if (inputs.subfolders > 0) parts.push(`${inputs.subfolders} subfolder${inputs.subfolders === 1 ? '' : 's'} not entered (-r to recurse)`);
  return parts.length === 0 ? undefined : `efficientnet: note: ${parts.join('; ')}`;
}
