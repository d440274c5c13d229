/**
 * A small XML reader for AWS Query-protocol responses (EC2): elements, text and entities;
 * no attributes, namespaces or DTDs are needed for them.
 */

/** One XML element: its name, its child elements and its own text. */
export interface XmlElement {
  name: string
  children: XmlElement[]
  text: string
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16))
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10))
    return ENTITIES[entity] ?? whole
  })
}

export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [], text: '' }
  const stack: XmlElement[] = [root]
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>/g
  let last = 0
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const top = stack[stack.length - 1] as XmlElement
    top.text += decode(xml.slice(last, m.index))
    last = tag.lastIndex
    if (m[4] !== undefined) {
      top.text += m[4]
      continue
    }
    const name = m[2]
    if (!name) continue
    if (m[1] === '/') {
      if (stack.length > 1) stack.pop()
      continue
    }
    const element: XmlElement = { name: name.replace(/^.*:/, ''), children: [], text: '' }
    top.children.push(element)
    if (m[3] !== '/') stack.push(element)
  }
  return root.children[0] ?? root
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name)
}

/** The trimmed text of a child element, or undefined when it is absent. */
export function text(el: XmlElement | undefined, name: string): string | undefined {
  const c = child(el, name)
  return c ? c.text.trim() : undefined
}

export function bool(el: XmlElement | undefined, name: string): boolean | undefined {
  const t = text(el, name)
  return t === undefined ? undefined : t === 'true'
}

export function int(el: XmlElement | undefined, name: string): number | undefined {
  const t = text(el, name)
  return t === undefined || t === '' ? undefined : Number(t)
}

/** The <item> children of a list element (EC2 wraps every list this way). */
export function items(el: XmlElement | undefined, name: string): XmlElement[] {
  return child(el, name)?.children.filter((c) => c.name === 'item') ?? []
}

/** The values that are there: what an optional element's text gives, without the missing ones. */
export const present = (values: (string | undefined)[]): string[] => values.filter((v): v is string => Boolean(v))
