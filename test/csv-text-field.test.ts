/** The one text writer of a CSV field (reject file, generator): RFC 4180, read back by csv-parse. */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, needsQuotes } from '../src/formats/csv/text-field.js';

describe('csvField', () => {
  it('quotes only what needs it and doubles quotes; csv-parse reads every value back', () => {
    const values = ['plain', '', 'a,b', 'say "hi"', 'line\nbreak', 'cr\rhere', 'crlf\r\n', '"', ' padded ', 'ünï'];
    expect(values.map(csvField)).toEqual(['plain', '', '"a,b"', '"say ""hi"""', '"line\nbreak"', '"cr\rhere"', '"crlf\r\n"', '""""', ' padded ', 'ünï']);
    expect(values.map(needsQuotes)).toEqual([false, false, true, true, true, true, true, true, false, false]);
    const row = values.map(csvField).join(',');
    expect(parse(`${row}\n`, { relax_quotes: false })).toEqual([values]);
  });
});
