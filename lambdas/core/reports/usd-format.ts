/** The money formats of the HTML pages, one place so every chart and table prints alike. */

const usdFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const usdCompact = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  notation: 'compact',
  maximumFractionDigits: 1,
});

/** `$12,345.67`: the report's money format, rounded to the cent. */
export const formatUsd = (usd: number): string => usdFormat.format(Math.round(usd * 100) / 100);

/** `$12.3K`: for axis ticks and bar ends, where the table holds the cents. */
export const formatUsdShort = (usd: number): string => usdCompact.format(usd);
