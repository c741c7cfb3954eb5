import { escapeHtml, html, layout } from './html';

describe('html', () => {
  it('escapes interpolated text and attribute values', () => {
    const name = '<script>alert("x")</script>';
    const url = 'x" onerror="alert(1)';

    expect(html`<p title="${url}">${name}</p>`.value).toBe(
      '<p title="x&quot; onerror=&quot;alert(1)">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>',
    );
  });

  it('keeps nested fragments and lists as HTML and drops empty values', () => {
    const items = ['a&b', 'c'].map((item) => html`<li>${item}</li>`);

    expect(
      html`<ul>
        ${items}${false}${null}
      </ul>`.value.replace(/\s+/g, ''),
    ).toBe('<ul><li>a&amp;b</li><li>c</li></ul>');
  });

  it('escapes the page title in the layout', () => {
    const page = layout('en', '<b>', html`<main></main>`);

    expect(page).toContain('<title>&lt;b&gt;</title>');
    expect(page).toContain('<html lang="en">');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });
});
