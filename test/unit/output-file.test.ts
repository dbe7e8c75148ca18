import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  OutputFileError,
  temporaryPathFor,
  writeOutputLines,
  writeOutputText,
} from '../../bin/cli/output-file.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'qm-output-file-'));

/** A stand-in for standard output that keeps what was written and records whether it was ended. */
const fakeStdout = () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return { stream, text: () => text };
};

async function* linesThenFailure(): AsyncGenerator<string> {
  yield 'header';
  yield 'row 1';
  throw new Error('ledger line 3 is not JSON');
}

describe('writeOutputLines', () => {
  it('writes every line to the path, newline-terminated, and leaves no temporary file', async () => {
    const dir = scratch();
    const path = join(dir, 'out.csv');
    expect(await writeOutputLines(path, ['a,b', '1,2'])).toBe(2);
    expect(readFileSync(path, 'utf8')).toBe('a,b\n1,2\n');
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });

  it('leaves no file at all when producing the lines fails half-way', async () => {
    const dir = scratch();
    const path = join(dir, 'out.csv');
    await expect(writeOutputLines(path, linesThenFailure())).rejects.toThrow('ledger line 3 is not JSON');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps an existing file as it was when the new write fails', async () => {
    const dir = scratch();
    const path = join(dir, 'report.csv');
    writeFileSync(path, 'last month\n');
    await expect(writeOutputLines(path, linesThenFailure())).rejects.toThrow();
    expect(readFileSync(path, 'utf8')).toBe('last month\n');
    expect(readdirSync(dir)).toEqual(['report.csv']);
  });

  it('names the path asked for when the file cannot be written, apart from producer failures', async () => {
    const path = join(scratch(), 'missing', 'out.csv');
    const failure = await writeOutputLines(path, ['x']).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OutputFileError);
    expect(failure).toMatchObject({ code: 'ENOENT', path });
    expect((failure as Error).message).toMatch(/^cannot write .*\/missing\/out\.csv: ENOENT/);
    expect((failure as Error).message).not.toContain('.tmp');
    const dir = scratch();
    // A directory where the file should go: the rename into place is what fails.
    await expect(writeOutputLines(dir, ['x'])).rejects.toBeInstanceOf(OutputFileError);
    await expect(writeOutputLines(join(dir, 'a.csv'), linesThenFailure())).rejects.not.toBeInstanceOf(
      OutputFileError,
    );
  });

  it('writes to standard output for -, without ending it', async () => {
    const out = fakeStdout();
    expect(await writeOutputLines('-', ['one', 'two'], out.stream)).toBe(2);
    expect(out.text()).toBe('one\ntwo\n');
    expect(out.stream.writableEnded).toBe(false);
  });
});

describe('writeOutputText', () => {
  it('writes the text as it is, through a temporary file beside the target', async () => {
    const dir = scratch();
    const path = join(dir, 'report.html');
    await writeOutputText(path, '<html></html>');
    expect(readFileSync(path, 'utf8')).toBe('<html></html>');
    expect(readdirSync(dir)).toEqual(['report.html']);
    const out = fakeStdout();
    await writeOutputText('-', '<p>', out.stream);
    expect(out.text()).toBe('<p>');
  });

  it('names a hidden temporary file in the same directory, different for each write', () => {
    const first = temporaryPathFor('/reports/nov.csv');
    expect(first).toMatch(/^\/reports\/\.nov\.csv\.\d+\.[0-9a-f]{8}\.tmp$/);
    expect(temporaryPathFor('/reports/nov.csv')).not.toBe(first);
  });
});
