/** Rows as aligned plain-text columns (the first row is the header), for terminals and text reports. */
export function textTable(rows: string[][], gap = '  '): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join(gap)
        .trimEnd(),
    )
    .join('\n');
}
