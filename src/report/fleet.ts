/** One line per cluster for `check --all`, in listing order, and the summary the engine counted. */
import type { FleetSummary } from '../engine/fleet.js'
import type { Report } from '../engine/types.js'
import { createRedactor, resolveForOutput } from './redact.js'
import { painter } from './text.js'

export function renderFleet(reports: Report[], unlisted: { region: string; error: string }[], summary: FleetSummary, o: { color: boolean; redact: boolean }): string {
  const paint = painter(o.color)
  const rows = reports.map((source) => resolveForOutput(source, createRedactor(source, o.redact), o.redact))
  const width = Math.max(7, ...rows.map((r) => `${r.target.cluster} (${r.target.region})`.length))
  const lines = rows.map((r) => {
    const v = r.verdict
    const mark = v.status === 'fail' ? paint('red', '✖') : v.status === 'ok' ? paint('green', '✔') : paint('yellow', v.status === 'warn' ? '⚠' : '?')
    const label = v.status === 'fail' ? `${v.category}${v.confirmed ? '' : '?'}` : v.status
    return `${mark} ${`${r.target.cluster} (${r.target.region})`.padEnd(width)}  ${label.padEnd(15)} ${v.summary}`
  })
  for (const u of unlisted) lines.push(`${paint('yellow', '?')} ${`(${u.region})`.padEnd(width)}  ${'unlisted'.padEnd(15)} ListClusters failed: ${u.error}`)
  const counts = [`${summary.reachable} reachable`, `${summary.failing} failing`, ...(summary.inconclusive ? [`${summary.inconclusive} inconclusive`] : [])]
  lines.push('', `${summary.clusters} cluster${summary.clusters === 1 ? '' : 's'}: ${counts.join(', ')}`)
  return `${lines.join('\n')}\n`
}
