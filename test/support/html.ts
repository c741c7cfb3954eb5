/** One element of a server-rendered page, found by id: its tag, attributes (unescaped) and text. */
export interface PageElement {
  tag: string;
  attributes: Record<string, string>;
  /** The text inside it, tags removed and whitespace collapsed. */
  text: string;
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]);
}

/** The element with this id (pages are small and hand-written: no nesting of a tag inside itself). */
export function elementById(html: string, id: string): PageElement | undefined {
  const opening = new RegExp(`<([a-z0-9]+)((?:\\s[^>]*)?\\sid="${id}"[^>]*)>`, 'i').exec(html);
  if (!opening) {
    return undefined;
  }
  const [whole, tag, rawAttributes] = opening;
  const attributes = Object.fromEntries(
    [...rawAttributes.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map(([, name, value]) => [
      name,
      unescapeHtml(value ?? ''),
    ]),
  );
  const rest = html.slice(opening.index + whole.length);
  const end = rest.indexOf(`</${tag}>`);
  const inner = end === -1 ? '' : rest.slice(0, end);
  return {
    tag,
    attributes,
    text: unescapeHtml(inner.replace(/<[^>]*>/g, ' '))
      .replace(/\s+/g, ' ')
      .trim(),
  };
}

/** Like elementById, failing with the page when the element is missing. */
export function requireElement(html: string, id: string): PageElement {
  const element = elementById(html, id);
  if (!element) {
    throw new Error(`No element #${id} on the page:\n${html}`);
  }
  return element;
}
