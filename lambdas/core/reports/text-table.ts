/** Characters after which a word too long for its line may be broken (ids, constraint names). */
const BREAK_AFTER = /[-:/,|._]/;

/**
 * Splits text into lines of at most `width` characters at spaces. A word longer than a line is
 * broken after its last `-`, `:`, `/`, `,`, `|`, `.` or `_` that fits (an id keeps its pieces
 * readable), else at the width. `width` below 1 returns the text whole.
 */
export const wrapText = (text: string, width: number): string[] => {
  if (width < 1 || text.length <= width) return [text];
  const lines: string[] = [];
  let line = '';
  const flush = () => {
    if (line !== '') lines.push(line);
    line = '';
  };
  for (const word of text.split(/ +/)) {
    let rest = word;
    while (rest.length > width - (line === '' ? 0 : line.length + 1)) {
      if (line !== '') {
        flush();
        continue;
      }
      // Break after a separator in the last two thirds of the line, not into a sliver.
      let cut = width;
      for (let i = width; i > width / 3; i--)
        if (BREAK_AFTER.test(rest[i - 1] ?? '')) {
          cut = i;
          break;
        }
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    if (rest === '') continue;
    line = line === '' ? rest : `${line} ${rest}`;
  }
  flush();
  return lines.length > 0 ? lines : [''];
};

export interface TextTableOptions {
  /** Total width the table should fit; only the `wrap` column gives way. */
  readonly width?: number;
  /** Index of the column whose text wraps onto continuation lines when the table is too wide. */
  readonly wrap?: number;
  /** Narrowest the wrapped column gets, however little room is left. @default 12 */
  readonly minWrapWidth?: number;
}

/**
 * Renders rows as an aligned text table; numeric-looking columns are right-aligned. With a width
 * and a wrap column, that column narrows to what the others leave and its text continues on the
 * next lines, the other cells blank, so no line is wider than the width unless the other columns
 * and the wrapped column's floor (`minWrapWidth`) are.
 */
export const textTable = (
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  options: TextTableOptions = {},
): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^-?[\d,.]+%?$|^$/.test(r[i] ?? '')),
  );
  const { width, wrap } = options;
  if (width !== undefined && wrap !== undefined && wrap >= 0 && wrap < widths.length) {
    const others = widths.reduce((s, w, i) => (i === wrap ? s : s + w + 2), 0);
    const natural = widths[wrap] ?? 0;
    const floor = Math.min(natural, Math.max(options.minWrapWidth ?? 12, headers[wrap]?.length ?? 0));
    widths[wrap] = Math.min(natural, Math.max(floor, width - others));
  }
  const fmt = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const lines = [fmt(headers), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of rows) {
    if (wrap === undefined || (row[wrap] ?? '').length <= (widths[wrap] ?? 0)) {
      lines.push(fmt(row));
      continue;
    }
    wrapText(row[wrap] ?? '', widths[wrap] ?? 0).forEach((piece, k) => {
      lines.push(
        fmt(
          k === 0
            ? row.map((c, i) => (i === wrap ? piece : c))
            : row.map((_, i) => (i === wrap ? piece : '')),
        ),
      );
    });
  }
  return lines.join('\n');
};
