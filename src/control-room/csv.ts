/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A field starting with `=`, `+`,
 * `-`, `@` or a tab is prefixed with `'`, so a spreadsheet never runs a donor's message as a formula.
 */
export function csvField(value: string | number | null): string {
  if (value === null) {
    return '';
  }
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(fields: Array<string | number | null>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** Excel reads a UTF-8 file with this mark as UTF-8 (Cyrillic names and messages), not as the local code page. */
export const UTF8_BOM = '\uFEFF';
