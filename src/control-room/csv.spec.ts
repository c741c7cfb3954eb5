import { csvField, csvLine } from './csv';

describe('csv', () => {
  it('quotes fields with commas, quotes and line breaks', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('Привет')).toBe('Привет');
  });

  it('leaves nothing a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-5')).toBe("'-5");
    expect(csvField('@me')).toBe("'@me");
  });

  it('writes numbers as they are, null as empty, and ends a line with CRLF', () => {
    expect(csvLine(['x', 1.5, null, -2])).toBe('x,1.5,,-2\r\n');
  });
});
