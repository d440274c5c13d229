/** The Mermaid flowchart of the markdown report: one subgraph per endpoint IP, the broken hop marked. */
import { describe, expect, it } from 'vitest'
import { renderMermaidPaths } from '../../../src/report/mermaid.js'

describe('renderMermaidPaths', () => {
  const paths = [
    { ip: '10.40.1.21', hops: [{ label: 'workstation', state: 'ok' as const }, { label: 'tailscale0', state: 'ok' as const }, { label: '10.40.1.21:443', state: 'ok' as const }] },
    { ip: '10.40.2.34', hops: [{ label: 'workstation', state: 'ok' as const }, { label: 'router "edge" <a>', state: 'broken' as const }, { label: '10.40.2.34:443', state: 'not-reached' as const }] },
  ]
  const lines = renderMermaidPaths(paths)

  it('is a fenced flowchart with one subgraph per endpoint IP', () => {
    expect(lines[0]).toBe('```mermaid')
    expect(lines[1]).toBe('flowchart LR')
    expect(lines.at(-1)).toBe('```')
    expect(lines.filter((l) => l.startsWith('  subgraph '))).toEqual(['  subgraph row0["10.40.1.21"]', '  subgraph row1["10.40.2.34"]'])
  })

  it('marks the broken hop, draws the unreached ones dashed, and escapes what Mermaid would read as markup', () => {
    expect(lines).toContain('    p1h1["✖ router #quot;edge#quot; #lt;a#gt;"]')
    expect(lines).toContain('  class p1h1 broken')
    expect(lines).toContain('    p1h1 -.-> p1h2')
    expect(lines).toContain('    p0h1 --> p0h2')
    expect(lines).toContain('  class p1h2 notReached')
  })
})
