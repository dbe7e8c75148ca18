/**
 * One CSV cell (RFC 4180). Text that a spreadsheet would run as a formula (starting with = + - @,
 * tab or carriage return) gets a leading apostrophe, so a team called `=HYPERLINK(...)` stays text.
 * Numbers are written as numbers: a negative amount is data, not a formula.
 */
export const csvCell = (value: string | number | boolean | null | undefined): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) || guarded !== value ? `"${guarded.replace(/"/g, '""')}"` : guarded;
};

/** One CSV line from cells, without the line break. */
export const csvLine = (cells: ReadonlyArray<string | number | boolean | null | undefined>): string =>
  cells.map(csvCell).join(',');
