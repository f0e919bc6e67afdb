// CSV cells: RFC 4180 quoting and spreadsheet formula injection neutralised.
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../../src/main/report/csv.js';
import { parseCsv } from '../../support/csv-reader.js';

describe('CSV', () => {
  it('quotes only what needs it and doubles quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\r')).toBe('"cr\r"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(true)).toBe('yes');
    expect(csvCell(-3)).toBe('-3');
  });

  it('neutralises cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('/etc/=passwd')).toBe('/etc/=passwd');
  });

  it('writes records a strict reader reads back', () => {
    const rows = [
      ['1', '/etc/a,b', 'x"y'],
      ['2', '=cmd|"/c calc"!A1', 'multi\nline'],
      ['3', '', 'end'],
    ];
    const text = toCsv(['id', 'path', 'note'], rows);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parseCsv(text)).toEqual([['id', 'path', 'note'], ['1', '/etc/a,b', 'x"y'], ['2', `'=cmd|"/c calc"!A1`, 'multi\nline'], ['3', '', 'end']]);
  });
});
