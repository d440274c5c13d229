/** One line per cluster for `check --all`, in listing order. */
import type { Report } from '../engine/types.js'
import { createRedactor, resolveForOutput } from './redact.js'

export function renderFleet(reports: Report[], unlisted: { region: string; error: string }[], o: { color: boolean; redact: boolean }): string {
  const paint = (code: number, s: string) => (o.color ? `\u001b[${code}m${s}\u001b[0m` : s)
  const rows = reports.map((source) => resolveForOutput(source, createRedactor(source, o.redact), o.redact))
  const width = Math.max(7, ...rows.map((r) => `${r.target.cluster} (${r.target.region})`.length))
  const lines = rows.map((r) => {
    const v = r.verdict
    const mark = v.status === 'fail' ? paint(31, '✖') : v.status === 'ok' ? paint(32, '✔') : paint(33, v.status === 'warn' ? '⚠' : '?')
    const label = v.status === 'fail' ? `${v.category}${v.confirmed ? '' : '?'}` : v.status
    return `${mark} ${`${r.target.cluster} (${r.target.region})`.padEnd(width)}  ${label.padEnd(15)} ${v.summary}`
  })
  for (const u of unlisted) lines.push(`${paint(33, '?')} ${`(${u.region})`.padEnd(width)}  ${'unlisted'.padEnd(15)} ListClusters failed: ${u.error}`)
  const failed = rows.filter((r) => r.verdict.status === 'fail').length
  lines.push('', `${rows.length} cluster${rows.length === 1 ? '' : 's'}: ${rows.length - failed} reachable, ${failed} failing`)
  return `${lines.join('\n')}\n`
}
