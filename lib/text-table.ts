/** Plain-text tables for terminal output. */

/**
 * Lays out rows under a header, columns separated by two spaces, with a dashed rule under the
 * header. Numbers read best right-aligned, so the caller names those columns.
 * @param header - column titles
 * @param rows - cells as text, one array per row (as long as the header)
 * @param rightAligned - indices of right-aligned columns
 * @returns the table, one line per row, ending in a newline
 * @throws never
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    widths.map((w, i) => (rightAligned.has(i) ? (cells[i] ?? '').padStart(w) : (cells[i] ?? '').padEnd(w))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}
