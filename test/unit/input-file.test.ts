import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readInputLines, readInputText, stdinTwice } from '../../bin/cli/input-file.js';

const collect = async (lines: AsyncIterable<string>): Promise<string[]> => {
  const all: string[] = [];
  for await (const line of lines) all.push(line);
  return all;
};

describe('readInputText and readInputLines', () => {
  it('read standard input for -', async () => {
    expect(await readInputText('-', Readable.from(['{"a":', '1}\n']))).toBe('{"a":1}\n');
    expect(await collect(readInputLines('-', Readable.from(['one\r\ntw', 'o\nthree'])))).toEqual([
      'one',
      'two',
      'three',
    ]);
  });

  it('read a file for any other path, and fail with the file system error when it is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qm-input-file-'));
    writeFileSync(join(dir, 'jobs.jsonl'), 'a\nb\n');
    const stdin = Readable.from(['not this']);
    expect(await readInputText(join(dir, 'jobs.jsonl'), stdin)).toBe('a\nb\n');
    expect(await collect(readInputLines(join(dir, 'jobs.jsonl'), stdin))).toEqual(['a', 'b']);
    await expect(readInputText(join(dir, 'none.jsonl'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(collect(readInputLines(join(dir, 'none.jsonl')))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('stdinTwice', () => {
  it('allows one flag on standard input and names the flags when two are', () => {
    expect(stdinTwice({ '--jobs': '-', '--quotas': 'q.json', '--budgets': undefined })).toBeUndefined();
    expect(stdinTwice({ '--jobs': '-', '--quotas': 'q.json', '--history': '-' })).toBe(
      "only one input can be standard input ('-'); got --jobs and --history",
    );
  });
});
