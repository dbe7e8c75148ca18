import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvRows, parseCsv } from '../../scripts/build-data.js';

const quote = (field: string): string => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);

describe('parseCsv', () => {
  it('splits plain fields and keeps empty ones', () => {
    expect(parseCsv('a,b,c\n1,,3\n', 't.csv').map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    const text =
      'region,source,as_of\nus-east-1,"spotinfo@05e9:data.json (commit 5eedf20, 2025-06-28)",<=2025-06-28\nx,"say ""hi""\nthere",y\n';
    expect(parseCsv(text, 't.csv')).toEqual([
      { line: 1, fields: ['region', 'source', 'as_of'] },
      {
        line: 2,
        fields: ['us-east-1', 'spotinfo@05e9:data.json (commit 5eedf20, 2025-06-28)', '<=2025-06-28'],
      },
      { line: 3, fields: ['x', 'say "hi"\nthere', 'y'] },
    ]);
  });

  it('accepts CRLF line ends, a byte-order mark, blank lines and a missing final newline', () => {
    expect(parseCsv('\uFEFFa,b\r\n\r\n1,2', 't.csv')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
    ]);
  });

  it('reports an unterminated quote with the file and line it started on', () => {
    expect(() => parseCsv('a,b\n1,"open\n2,3\n', 'bad.csv')).toThrow('bad.csv:2: quoted field never closed');
  });

  it('reports a stray quote inside an unquoted field', () => {
    expect(() => parseCsv('a,b\n1,x"y\n', 'bad.csv')).toThrow('bad.csv:2: stray quote');
  });

  it('reads back any table written with RFC 4180 quoting', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'Z', '1', ',', '"', '\n', '\r\n', ' ', '-', 'é') });
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 5 })
          .chain((width) =>
            fc.array(fc.array(field, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 }),
          ),
        (table) => {
          // A record that is one empty field is a blank line; CSV cannot tell it from nothing.
          const rows = table.filter((row) => !(row.length === 1 && row[0] === ''));
          const text = rows.map((row) => row.map(quote).join(',')).join('\n');
          expect(parseCsv(text, 'p.csv').map((r) => r.fields)).toEqual(rows);
        },
      ),
    );
  });
});

describe('csvRows', () => {
  it('keys rows by the wanted columns and records where each came from', () => {
    expect(csvRows('b,a,extra\n2,1,x\n', 't.csv', ['a', 'b'] as const)).toEqual([
      { at: 't.csv:2', a: '1', b: '2' },
    ]);
  });

  it('names the file and the missing column', () => {
    expect(() => csvRows('a\n1\n', 't.csv', ['a', 'b'] as const)).toThrow('t.csv: missing column(s) b');
  });

  it('names the file and line of a row with the wrong number of fields', () => {
    expect(() => csvRows('a,b\n1,2\n3\n', 't.csv', ['a'] as const)).toThrow(
      't.csv:3: 1 fields, header has 2',
    );
  });
});
