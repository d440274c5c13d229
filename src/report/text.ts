/** The human report: checks in path order, the path per endpoint IP, the verdict, the fixes. */
import ansis from 'ansis'
import type { CheckResult, Fix, PathHop, Report, Status } from '../engine/types.js'
import { createRedactor, resolveForOutput } from './redact.js'

export interface TextOptions {
  color: boolean
  redact: boolean
  /** Leave out the per-check lines (the live renderer already showed them). */
  omitChecks?: boolean
}

type Colour = 'red' | 'green' | 'yellow' | 'dim' | 'bold' | 'cyan'
export type Paint = (c: Colour, s: string) => string

/** Colours through ansis, which also honours NO_COLOR, FORCE_COLOR and TERM=dumb; none when asked for none. */
export function painter(color: boolean): Paint {
  return (c, s) => (color ? ansis[c](s) : s)
}

const STATUS_MARK: Record<Status, [string, Colour]> = {
  pass: ['✔', 'green'],
  fail: ['✖', 'red'],
  warn: ['⚠', 'yellow'],
  skip: ['○', 'dim'],
}
const HOP_MARK: Record<PathHop['state'], [string, Colour]> = {
  ok: ['✔', 'green'],
  broken: ['✖', 'red'],
  'not-reached': ['·', 'dim'],
  unknown: ['?', 'dim'],
}

export function renderCheckLine(check: CheckResult, paint: Paint): string {
  const [mark, color] = STATUS_MARK[check.status]
  return `${paint(color, mark)} ${paint('bold', check.id.padEnd(26))} ${check.status === 'skip' ? paint('dim', check.detail) : check.detail}`
}

function renderFix(fix: Fix, index: number, paint: Paint): string[] {
  const lines = [`${paint('bold', `${index + 1}. ${fix.title}`)}`, `   ${fix.why}`]
  for (const command of fix.commands) lines.push(`   ${paint('cyan', `$ ${command}`)}`)
  if (fix.terraform) {
    lines.push('   Terraform:')
    for (const line of fix.terraform.split('\n')) lines.push(`     ${line}`)
  }
  if (fix.docs) lines.push(`   ${paint('dim', fix.docs)}`)
  return lines
}

export function renderText(source: Report, o: TextOptions): string {
  const report = resolveForOutput(source, createRedactor(source, o.redact), o.redact)
  const paint = painter(o.color)
  const t = report.target
  const out: string[] = []
  const what = t.cluster ? `${t.cluster}${t.region ? ` (${t.region})` : ''}` : (t.endpoint ?? t.context ?? 'target')
  out.push(paint('bold', `eksdoctor ${report.tool.version} — ${what}`))
  if (t.endpoint) out.push(paint('dim', `endpoint ${t.endpoint}${t.context ? `  context ${t.context}` : ''}${t.profile ? `  profile ${t.profile}` : ''}`))
  if (!o.omitChecks) {
    out.push('')
    for (const check of report.checks) out.push(renderCheckLine(check, paint))
  }
  const paths = report.paths ?? []
  if (paths.length > 0) {
    out.push('', paint('bold', 'Path'))
    for (const row of paths) {
      out.push(`  ${row.hops.map((h) => `${paint(HOP_MARK[h.state][1], HOP_MARK[h.state][0])} ${h.label}`).join(paint('dim', ' → '))}`)
    }
  }
  const v = report.verdict
  out.push('')
  const head =
    v.status === 'fail'
      ? paint('red', `✖ ${v.category}${v.confirmed ? '' : ' (likely, not confirmed)'}`)
      : v.status === 'inconclusive'
        ? paint('yellow', '? inconclusive')
        : v.status === 'warn'
          ? paint('yellow', '✔ ok, with warnings')
          : paint('green', '✔ ok')
  out.push(`${paint('bold', 'Verdict')} ${head}${v.rootCause ? paint('dim', `  [${v.rootCause}]`) : ''}`)
  out.push(`  ${v.summary}`)
  for (const alt of v.alternatives) out.push(paint('dim', `  or ${alt.category}: ${alt.summary}`))
  if (v.further.length > 0) {
    out.push('', paint('bold', `Also broken (${v.further.length})`))
    for (const f of v.further) {
      out.push(`${paint('red', `✖ ${f.category}${f.confirmed ? '' : ' (likely, not confirmed)'}`)}${paint('dim', `  [${f.rootCause}]`)}`, `  ${f.summary}`)
    }
  }
  if (report.fixes.length > 0) {
    out.push('', paint('bold', 'Fix'))
    report.fixes.forEach((fix, i) => out.push(...renderFix(fix, i, paint)))
  }
  return `${out.join('\n')}\n`
}
