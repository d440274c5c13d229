/**
 * Terraform snippets in the layout `terraform fmt` gives them: two-space indents, and the `=` of
 * consecutive attributes aligned; a blank line, a comment or a nested block ends an alignment run.
 */

/** A literal (quoted string, number, boolean, list of strings) or a reference written as is. */
export type HclValue = string | number | boolean | readonly string[] | { ref: string }

/** A body line: an attribute, a nested block, a `# comment`, or a blank line (null). */
export type HclLine = readonly [string, HclValue] | HclBlock | { comment: string } | null

export interface HclBlock {
  type: string
  labels?: readonly string[]
  body: readonly HclLine[]
}

function literal(value: HclValue): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`
  return (value as { ref: string }).ref
}

function isAttribute(line: HclLine): line is readonly [string, HclValue] {
  return Array.isArray(line)
}

function render(block: HclBlock, indent: string): string[] {
  const head = [block.type, ...(block.labels ?? []).map((l) => JSON.stringify(l))].join(' ')
  const out = [`${indent}${head} {`]
  const inner = `${indent}  `
  let run: (readonly [string, HclValue])[] = []
  const flush = () => {
    const width = Math.max(0, ...run.map(([key]) => key.length))
    for (const [key, value] of run) out.push(`${inner}${key.padEnd(width)} = ${literal(value)}`)
    run = []
  }
  for (const line of block.body) {
    if (isAttribute(line)) {
      run.push(line)
      continue
    }
    flush()
    if (line === null) out.push('')
    else if ('comment' in line) out.push(`${inner}# ${line.comment}`)
    else out.push(...render(line, inner))
  }
  flush()
  out.push(`${indent}}`)
  return out
}

/** Top-level blocks, separated by a blank line. */
export function hcl(...blocks: HclBlock[]): string {
  return blocks.map((b) => render(b, '').join('\n')).join('\n\n')
}

export function resource(type: string, name: string, body: readonly HclLine[]): HclBlock {
  return { type: 'resource', labels: [type, name], body }
}

/** A Terraform name from ids and CIDRs: letters, digits and underscores. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').toLowerCase()
}
