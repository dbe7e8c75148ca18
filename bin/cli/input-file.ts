import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** The conventional path for standard input (and, for an output file, standard output). */
export const STDIO_PATH = '-';

/** The whole of a stream as text. */
const readAll = async (stream: Readable): Promise<string> => {
  stream.setEncoding('utf8');
  let text = '';
  for await (const chunk of stream) text += chunk as string;
  return text;
};

/** A file's text, or standard input's when the path is `-`. */
export const readInputText = (path: string, stdin: Readable = process.stdin): Promise<string> =>
  path === STDIO_PATH ? readAll(stdin) : readFile(path, 'utf8');

/** A file's lines (standard input's when the path is `-`), streamed so a large ledger never has to fit in memory. */
export async function* readInputLines(path: string, stdin: Readable = process.stdin): AsyncGenerator<string> {
  const input = path === STDIO_PATH ? stdin : createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    yield* lines;
  } finally {
    lines.close();
    // Standard input belongs to the process; only a file opened here is closed here.
    if (input !== stdin) input.destroy();
  }
}

/**
 * Standard input can be read once, so at most one flag may name it. Returns the message for a
 * command given `-` twice (e.g. `--jobs - --quotas -`), undefined when the flags are fine.
 */
export const stdinTwice = (flags: Readonly<Record<string, string | undefined>>): string | undefined => {
  const named = Object.entries(flags)
    .filter(([, path]) => path === STDIO_PATH)
    .map(([flag]) => flag);
  return named.length > 1
    ? `only one input can be standard input ('-'); got ${named.join(' and ')}`
    : undefined;
};
