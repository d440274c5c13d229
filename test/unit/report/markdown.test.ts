import { describe, expect, it } from 'vitest'
import type { Report } from '../../../src/engine/types.js'
import { reportToJson } from '../../../src/report/json.js'
import { renderMarkdown } from '../../../src/report/markdown.js'
import { REPORT_FIXTURES, inconclusiveReport, okPublicEndpointReport, sgIntermittentReport } from '../../fixtures/reports/index.js'

const md = (report: Report) => renderMarkdown(report, { redact: false })

/** The rows of the checks table, without header and separator. */
function tableRows(text: string): string[] {
  const lines = text.split('\n')
  const head = lines.indexOf('| | Check | Result | ms |')
  expect(head).toBeGreaterThan(0)
  expect(lines[head + 1]).toBe('|---|---|---|---:|')
  const rows: string[] = []
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith('|')) break
    rows.push(line)
  }
  return rows
}

/** Cells of a table row, split at pipes that are not escaped. */
const cells = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim())

/** The bodies of the fenced blocks of one language, in order. */
function fenced(text: string, lang: string): string[] {
  const out: string[] = []
  const re = new RegExp('^```' + lang + '\\n([\\s\\S]*?)\\n```$', 'gm')
  for (const m of text.matchAll(re)) out.push(m[1] ?? '')
  return out
}

describe('renderMarkdown: snapshots of the fixed reports', () => {
  it.each(REPORT_FIXTURES)('$name', async ({ name, report }) => {
    await expect(md(report)).toMatchFileSnapshot(`./__snapshots__/markdown-${name}.md`)
  })
})

describe('renderMarkdown: the header', () => {
  it('has the tool and tool versions line, the OS and the target', () => {
    const text = md(okPublicEndpointReport)
    expect(text.startsWith('## eksdoctor report: warn\n')).toBe(true)
    expect(text).toContain('- **Tool:** eksdoctor 0.1.0; kubectl v1.31.2, aws 2.22.4, tailscale 1.78.1, dig 9.18.28\n')
    expect(text).toContain('- **OS:** linux 6.8.0-49-generic x64; Node v20.19.0\n')
    expect(text).toContain(
      '- **Target:** cluster `payments-prod`, region `eu-west-1`, endpoint `https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com`, ' +
        'context `arn:aws:eks:eu-west-1:210987654321:cluster/payments-prod`, profile `payments-prod-admin`\n',
    )
    expect(text).toContain('- **Run:** 2026-03-14T09:58:02.117Z, 1184 ms\n')
  })

  it('says which tools are missing and that there is no target', () => {
    const text = md(inconclusiveReport)
    expect(text).toContain('- **Tool:** eksdoctor 0.1.0; kubectl v1.30.4, aws 2.17.50, tailscale not found, dig not found\n')
    expect(text).toContain('- **OS:** win32 10.0.22631 x64; Node v22.11.0\n')
    expect(text).toContain('- **Target:** none\n')
  })
})

describe('renderMarkdown: checks table', () => {
  it.each(REPORT_FIXTURES)('$name: one row per check, in report order, with icon, id, detail and time', ({ report }) => {
    const rows = tableRows(md(report))
    expect(rows).toHaveLength(report.checks.length)
    const icon = { pass: '✅', fail: '❌', warn: '⚠️', skip: '⏭️' }
    rows.forEach((row, i) => {
      const c = report.checks[i]!
      expect(cells(row)).toEqual([icon[c.status], `\`${c.id}\``, c.detail, String(c.durationMs)])
    })
  })

  it('escapes | in a cell and keeps a multi-line detail on one row', () => {
    const report: Report = structuredClone(inconclusiveReport)
    report.checks[1]!.detail = "kubectl config get-contexts | grep eks failed\nsee 'a|b'"
    const rows = tableRows(md(report))
    expect(rows).toHaveLength(report.checks.length)
    expect(rows[1]).toBe("| ⏭️ | `cluster.describe` | kubectl config get-contexts \\| grep eks failed see 'a\\|b' | 0 |")
    expect(cells(rows[1]!)).toHaveLength(4)
  })
})

describe('renderMarkdown: verdict, fixes, evidence', () => {
  it('states the verdict with its confirmation and the alternatives', () => {
    const text = md(sgIntermittentReport)
    expect(text).toContain(`### Verdict\n\n**FAIL — security-group** (likely, not confirmed): ${sgIntermittentReport.verdict.summary}\n`)
    for (const alt of sgIntermittentReport.verdict.alternatives) expect(text).toContain(`- or **${alt.category}**: ${alt.summary}`)
    expect(md(inconclusiveReport)).toContain('**INCONCLUSIVE**: Nothing could be checked end to end: no endpoint to resolve')
  })

  it('puts every fix under its title, commands in ```sh blocks and terraform in ```hcl blocks', () => {
    const text = md(sgIntermittentReport)
    for (const fix of sgIntermittentReport.fixes) expect(text).toContain(`#### ${fix.title}\n\n${fix.why}\n`)
    expect(fenced(text, 'sh')).toEqual(sgIntermittentReport.fixes.map((f) => f.commands.join('\n')))
    expect(fenced(text, 'hcl')).toEqual(sgIntermittentReport.fixes.flatMap((f) => (f.terraform ? [f.terraform] : [])))
    expect(fenced(text, 'hcl')[0]).toContain('resource "aws_network_acl_rule" "eks_api_from_vpn" {')
  })

  it('has no Fixes section when there is none', () => {
    expect(md(inconclusiveReport)).not.toContain('### Fixes')
  })

  it.each(REPORT_FIXTURES)('$name: the evidence of every check is JSON inside a <details> block', ({ report }) => {
    const text = md(report)
    const details = text.slice(text.indexOf('<details><summary>Evidence</summary>'))
    expect(text.indexOf('<details><summary>Evidence</summary>')).toBeGreaterThan(text.indexOf('### Checks'))
    expect(details.trimEnd().endsWith('</details>')).toBe(true)
    const blocks = fenced(details, 'json')
    expect(blocks).toHaveLength(1)
    const evidence = JSON.parse(blocks[0]!) as Record<string, unknown>
    expect(Object.keys(evidence)).toEqual(report.checks.map((c) => c.id))
    const resolved = reportToJson(report, { redact: false })
    expect(evidence).toEqual(Object.fromEntries(resolved.checks.map((c) => [c.id, c.evidence])))
  })
})

describe('renderMarkdown: further broken links', () => {
  it('lists them under the verdict', () => {
    const report: Report = {
      ...sgIntermittentReport,
      verdict: { ...sgIntermittentReport.verdict, further: [{ rootCause: 'network.route-tables', category: 'routing', confirmed: true, summary: 'rtb-0abc has no route to 10.99.0.0/16' }] },
    }
    expect(md(report)).toContain('**Also broken** (1):\n\n- ❌ **routing** (`network.route-tables`): rtb-0abc has no route to 10.99.0.0/16')
    expect(md(sgIntermittentReport)).not.toContain('Also broken')
  })
})
