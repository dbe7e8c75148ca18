import { safeText } from './safe-text.js';

/** A duplicate object key: where it is and what it repeats. */
export interface DuplicateKey {
  /** Dotted path of the repeated member, e.g. `team` or `runtime.deadline` or `tags.a`. */
  readonly path: string;
  readonly key: string;
  /** 0-based offset of the second occurrence's opening quote in the text (after any BOM). */
  readonly offset: number;
}

export type StrictJson =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string; readonly duplicate?: DuplicateKey };

/**
 * The one byte-order-mark rule of every reader: a single leading U+FEFF (what Windows editors
 * and some SDKs prepend) is not part of the document and is dropped; anywhere else it is text.
 */
export const withoutBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

interface Frame {
  readonly object: boolean;
  readonly keys: Set<string>;
  /** Object: the member being read; array: the index of the element being read. */
  member: string;
  index: number;
  expectKey: boolean;
}

const segment = (frame: Frame): string => (frame.object ? frame.member : String(frame.index));

/**
 * The first repeated key in any object of `text`, which must be valid JSON. Keys compare after
 * unescaping, so `"a"` and `"\u0061"` are the same key, as they are to `JSON.parse`.
 */
export const findDuplicateKey = (text: string): DuplicateKey | null => {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i += 1; i < text.length; i += 1) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 1;
        else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (top?.object === true && top.expectKey) {
        const raw = text.slice(start, i + 1);
        const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys.has(key)) {
          const path = [...stack.slice(0, -1).map(segment), key].join('.');
          return { path, key, offset: start };
        }
        top.keys.add(key);
        top.member = key;
        top.expectKey = false;
      }
    } else if (c === 0x7b /* { */) {
      stack.push({ object: true, keys: new Set(), member: '', index: 0, expectKey: true });
    } else if (c === 0x5b /* [ */) {
      stack.push({ object: false, keys: new Set(), member: '', index: 0, expectKey: false });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top === undefined) continue;
      if (top.object) top.expectKey = true;
      else top.index += 1;
    }
  }
  return null;
};

/**
 * `JSON.parse` with the rules every reader of producer input shares: one leading BOM dropped,
 * duplicate keys refused (the last one would silently win: `"team":"vision","team":"finance"`
 * would be stored as finance), and messages that never echo control or bidi characters raw.
 */
export const parseStrictJson = (text: string): StrictJson => {
  const body = withoutBom(text);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `not valid JSON: ${safeText(reason)}` };
  }
  const duplicate = findDuplicateKey(body);
  if (duplicate !== null) {
    return {
      ok: false,
      message: `duplicate key ${JSON.stringify(safeText(duplicate.key))} at character ${duplicate.offset + 1}`,
      duplicate: { ...duplicate, path: safeText(duplicate.path), key: safeText(duplicate.key) },
    };
  }
  return { ok: true, value };
};
