import { safeText } from '../jobs/safe-text.js';

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
  // Control and bidi characters from input stay visible as escapes (never raw in a cell).
  const safe = safeText(guarded);
  return /[",]/.test(safe) || guarded !== value ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** One CSV line from cells, without the line break. */
export const csvLine = (cells: ReadonlyArray<string | number | boolean | null | undefined>): string =>
  cells.map(csvCell).join(',');
