/**
 * Characters that must never be echoed raw from input into a message, a log field or a report
 * cell: C0 and C1 controls (NUL, escape sequences that drive terminals, line breaks that forge
 * log lines) and the Unicode bidirectional controls that make text display in another order
 * than it reads ("Trojan Source", CVE-2021-42574).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Input text made safe to echo: every control or bidi character becomes its `\uXXXX` escape, so
 * it stays visible and the text cannot rewrite what is shown around it.
 *
 * @example safeText('vision\u202Eevil') // 'vision\\u202eevil'
 */
export const safeText = (text: string): string => text.replace(UNSAFE, escapeChar);

/** True when `text` holds nothing {@link safeText} would change. */
export const isSafeText = (text: string): boolean => {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return !found;
};
