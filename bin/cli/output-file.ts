import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { STDIO_PATH } from './input-file.js';

/**
 * Every file a command writes (`--out` and the like) goes through here: `-` means standard
 * output; any other path is written to a temporary file beside it and renamed into place only
 * once the last byte is written, so a command that fails half-way leaves no partial file (and an
 * existing file at the path untouched). A rename within one directory is atomic on POSIX, and
 * the same directory means the same file system.
 */

/**
 * The output file itself could not be written (a missing directory, no permission, a full disk,
 * a directory at the path), as opposed to a failure producing what goes in it. Commands report it
 * against their output flag; `code` is the file system's.
 */
export class OutputFileError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly path: string,
    cause: NodeJS.ErrnoException,
    temporary: string,
  ) {
    // The message names the path asked for, not the temporary file the error came from.
    super(`cannot write ${path}: ${cause.message.replaceAll(temporary, path)}`, { cause });
    this.name = 'OutputFileError';
    this.code = cause.code;
  }
}

/** The temporary file for `path`: hidden, in the same directory, unique to this write. */
export const temporaryPathFor = (path: string): string =>
  join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);

/**
 * Streams `chunks` to `path` through a temporary file, or to `stdout` for `-`. `pipeline`
 * carries back-pressure and fails on an error on either side (a producer that throws, a disk
 * that fills), destroying the file stream, so nothing is left open or half-written.
 */
const writeOutput = async (
  path: string,
  chunks: AsyncIterable<string> | Iterable<string>,
  stdout: Writable,
): Promise<void> => {
  // Standard output belongs to the process: written to, never ended.
  if (path === STDIO_PATH) return pipeline(Readable.from(chunks), stdout, { end: false });
  const temporary = temporaryPathFor(path);
  try {
    // 'wx': never follow or overwrite something already at the temporary name.
    await pipeline(Readable.from(chunks), createWriteStream(temporary, { encoding: 'utf8', flags: 'wx' }));
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    if ((error as NodeJS.ErrnoException | null)?.path === temporary)
      throw new OutputFileError(path, error as NodeJS.ErrnoException, temporary);
    throw error;
  }
};

/**
 * Writes lines, each followed by a newline, to `path` (standard output for `-`) as they come.
 * @returns the number of lines written
 * @throws OutputFileError when the file cannot be written, else what producing the lines threw;
 *   nothing is then left at `path` or beside it
 */
export const writeOutputLines = async (
  path: string,
  lines: AsyncIterable<string> | Iterable<string>,
  stdout: Writable = process.stdout,
): Promise<number> => {
  let count = 0;
  async function* terminated(): AsyncGenerator<string> {
    for await (const line of lines) {
      count += 1;
      yield `${line}\n`;
    }
  }
  await writeOutput(path, terminated(), stdout);
  return count;
};

/** Writes a whole text, as it is, to `path` (standard output for `-`), the same way. */
export const writeOutputText = (
  path: string,
  text: string,
  stdout: Writable = process.stdout,
): Promise<void> => writeOutput(path, [text], stdout);
