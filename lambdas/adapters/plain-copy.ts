/**
 * A deep copy of plain data (primitives, arrays, objects with the plain prototype), equal to what
 * `structuredClone` gives for it, several times faster on the small records a ledger hands out;
 * anything else (a Date, a Map, a class instance, a null-prototype object) goes to
 * `structuredClone` as a whole.
 */
export const plainCopy = <T>(value: T): T => {
  if (typeof value !== 'object' || value === null) return value;
  return copyObject(value) as T;
};

const copyObject = (value: object): unknown => {
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) continue; // a hole stays a hole, as structuredClone keeps it
      const item: unknown = value[i];
      out[i] = typeof item === 'object' && item !== null ? copyObject(item) : item;
    }
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item: unknown = (value as Record<string, unknown>)[key];
    out[key] = typeof item === 'object' && item !== null ? copyObject(item) : item;
  }
  return out;
};

/**
 * `plainCopy`, with every object and array of the copy frozen: a store that keeps such a copy can
 * hand the record itself to every reader, since no reader can change it. Meant for JSON-shaped
 * records; a value of another kind is cloned as `plainCopy` clones it and frozen at its top only.
 */
export const frozenCopy = <T>(value: T): T => {
  if (typeof value !== 'object' || value === null) return value;
  return freezeObject(value) as T;
};

const freezeObject = (value: object): unknown => {
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) continue;
      const item: unknown = value[i];
      out[i] = typeof item === 'object' && item !== null ? freezeObject(item) : item;
    }
    return Object.freeze(out);
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return Object.freeze(structuredClone(value));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item: unknown = (value as Record<string, unknown>)[key];
    out[key] = typeof item === 'object' && item !== null ? freezeObject(item) : item;
  }
  return Object.freeze(out);
};
