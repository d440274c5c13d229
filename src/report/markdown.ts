/** A report to paste into a support ticket: versions, OS, target, checks, verdict, fixes, evidence. */
import type { Report, Status } from '../engine/types.js'
import { renderMermaidPaths } from './mermaid.js'
import { createRedactor, resolveForOutput } from './redact.js'

const ICON: Record<Status, string> = { pass: '✅', fail: '❌', warn: '⚠️', skip: '⏭️' }

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

export function renderMarkdown(source: Report, o: { redact: boolean }): string {
  const report = resolveForOutput(source, createRedactor(source, o.redact), o.redact)
  const t = report.target
  const v = report.verdict
  const out: string[] = []
  out.push(`## eksdoctor report: ${v.status === 'fail' ? `${v.category} (${v.rootCause})` : v.status}`, '')
  const tools = Object.entries(report.tools ?? {})
    .map(([name, version]) => `${name} ${version ?? 'not found'}`)
    .join(', ')
  out.push(`- **Tool:** eksdoctor ${report.tool.version}${tools ? `; ${tools}` : ''}`)
  if (report.host) out.push(`- **OS:** ${report.host.os} ${report.host.release} ${report.host.arch}; Node ${report.host.node}`)
  const target = [
    t.cluster && `cluster \`${t.cluster}\``,
    t.region && `region \`${t.region}\``,
    t.endpoint && `endpoint \`${t.endpoint}\``,
    t.context && `context \`${t.context}\``,
    t.profile && `profile \`${t.profile}\``,
  ].filter(Boolean)
  out.push(`- **Target:** ${target.join(', ') || 'none'}`)
  out.push(`- **Run:** ${report.startedAt}, ${report.durationMs} ms`, '')
  out.push('### Verdict', '')
  out.push(`**${v.status.toUpperCase()}${v.status === 'fail' ? ` — ${v.category}` : ''}**${v.status === 'fail' ? (v.confirmed ? ' (confirmed)' : ' (likely, not confirmed)') : ''}: ${v.summary}`)
  for (const alt of v.alternatives) out.push(`- or **${alt.category}**: ${alt.summary}`)
  if (v.further.length > 0) {
    out.push('', `**Also broken** (${v.further.length}):`, '')
    for (const f of v.further) out.push(`- ❌ **${f.category}**${f.confirmed ? '' : ' (likely, not confirmed)'} (\`${f.rootCause}\`): ${f.summary}`)
  }
  out.push('', '### Checks', '', '| | Check | Result | ms |', '|---|---|---|---:|')
  for (const c of report.checks) out.push(`| ${ICON[c.status]} | \`${c.id}\` | ${cell(c.detail)} | ${c.durationMs} |`)
  const paths = report.paths ?? []
  if (paths.length) {
    out.push('', '### Path', '', '```')
    const mark = { ok: '✔', broken: '✖', 'not-reached': '·', unknown: '?' } as const
    for (const row of paths) out.push(row.hops.map((h) => `${mark[h.state]} ${h.label}`).join(' → '))
    out.push('```', '', ...renderMermaidPaths(paths))
  }
  if (report.fixes.length) {
    out.push('', '### Fixes')
    for (const fix of report.fixes) {
      out.push('', `#### ${fix.title}`, '', fix.why)
      if (fix.commands.length) out.push('', '```sh', ...fix.commands, '```')
      if (fix.terraform) out.push('', '```hcl', fix.terraform, '```')
      if (fix.docs) out.push('', fix.docs)
    }
  }
  const evidence = Object.fromEntries(report.checks.map((c) => [c.id, c.evidence]))
  out.push('', '<details><summary>Evidence</summary>', '', '```json', JSON.stringify(evidence, null, 2), '```', '', '</details>', '')
  return out.join('\n')
}
