/**
 * Each endpoint IP's path as a Mermaid flowchart, which GitHub and GitLab render in a ticket: one
 * row per IP, the broken hop drawn red and marked, the hops it never reached grey and dashed.
 */
import type { PathRow } from '../engine/types.js'

const MARK = { ok: '', broken: '✖ ', 'not-reached': '', unknown: '? ' } as const
const CLASS = { ok: 'ok', broken: 'broken', 'not-reached': 'notReached', unknown: 'unknown' } as const

/** Mermaid label text: quotes and the characters Mermaid reads as markup become entities. */
function label(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')
}

export function renderMermaidPaths(paths: readonly PathRow[]): string[] {
  const lines = ['```mermaid', 'flowchart LR']
  const classes = new Map<string, string[]>()
  paths.forEach((row, r) => {
    const ids = row.hops.map((_, h) => `p${r}h${h}`)
    lines.push(`  subgraph row${r}["${label(row.ip || 'the endpoint name')}"]`, '    direction LR')
    row.hops.forEach((hop, h) => {
      lines.push(`    ${ids[h]}["${label(`${MARK[hop.state]}${hop.label}`)}"]`)
      const name = CLASS[hop.state]
      classes.set(name, [...(classes.get(name) ?? []), ids[h]!])
    })
    // A link into a hop that was never reached is drawn dashed, as the packet never took it.
    for (let h = 1; h < ids.length; h++) lines.push(`    ${ids[h - 1]} ${row.hops[h]?.state === 'not-reached' ? '-.->' : '-->'} ${ids[h]}`)
    lines.push('  end')
  })
  lines.push(
    '  classDef ok fill:#e8f5e9,stroke:#2e7d32',
    '  classDef broken fill:#fdecea,stroke:#c62828,stroke-width:3px',
    '  classDef notReached fill:#f5f5f5,stroke:#9e9e9e,stroke-dasharray:4 3,color:#757575',
    '  classDef unknown fill:#fff8e1,stroke:#f9a825',
  )
  for (const [name, ids] of classes) lines.push(`  class ${ids.join(',')} ${name}`)
  lines.push('```')
  return lines
}
