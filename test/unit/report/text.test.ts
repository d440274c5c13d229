import { describe, expect, it } from 'vitest'
import type { Report } from '../../../src/engine/types.js'
import { renderText } from '../../../src/report/text.js'
import { OK_PRIVATE_IPS, REPORT_FIXTURES, SG_IPS, okPublicEndpointReport, sgIntermittentReport } from '../../fixtures/reports/index.js'

const plain = (report: Report, extra: { omitChecks?: boolean } = {}) => renderText(report, { color: false, redact: false, ...extra })
const isCheckLine = (report: Report, line: string) => report.checks.some((c) => /^[✔✖⚠○] /.test(line) && line.slice(2).startsWith(`${c.id} `))

/** The rows under "Path", each as [mark, label] hops. */
function pathRows(text: string): [string, string][][] {
  const lines = text.split('\n')
  const start = lines.indexOf('Path')
  if (start < 0) return []
  const rows: [string, string][][] = []
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  ')) break
    rows.push(
      line
        .trim()
        .split(' → ')
        .map((hop) => [hop.slice(0, hop.indexOf(' ')), hop.slice(hop.indexOf(' ') + 1)] as [string, string]),
    )
  }
  return rows
}

describe('renderText: snapshots of the fixed reports, color off', () => {
  it.each(REPORT_FIXTURES)('$name', async ({ name, report }) => {
    await expect(plain(report)).toMatchFileSnapshot(`./__snapshots__/text-${name}.txt`)
  })
})

describe('renderText: omitChecks', () => {
  it.each(REPORT_FIXTURES)('$name: leaves out only the per-check lines', ({ report }) => {
    const full = plain(report).split('\n')
    const short = plain(report, { omitChecks: true }).split('\n')
    expect(full.filter((l) => isCheckLine(report, l))).toHaveLength(report.checks.length)
    expect(short.filter((l) => isCheckLine(report, l))).toEqual([])
    // Header, then (in the full output) a blank line and one line per check, then the rest unchanged.
    const header = report.target.endpoint ? 2 : 1
    expect(short).toEqual([...full.slice(0, header), ...full.slice(header + 1 + report.checks.length)])
  })

  it('keeps the path, the verdict and the fixes', () => {
    const short = plain(sgIntermittentReport, { omitChecks: true })
    expect(pathRows(short)).toHaveLength(2)
    expect(short).toContain('Verdict ✖ security-group (likely, not confirmed)  [network.tcp-connect]')
    expect(short).toContain(`  ${sgIntermittentReport.verdict.summary}`)
    expect(short).toContain('\nFix\n1. Allow TCP 443 from the VPN VPC 172.31.0.0/16')
    for (const fix of sgIntermittentReport.fixes) for (const command of fix.commands) expect(short).toContain(`   $ ${command}`)
    expect(short).not.toContain('kubectl v1.32.0, aws 2.24.10')
  })
})

describe('renderText: the path diagram', () => {
  it('draws the hops it is given and judges none itself, whatever the checks say', () => {
    // Every check of this report passed; the hops say otherwise, and the drawing follows the hops.
    const report: Report = {
      ...okPublicEndpointReport,
      paths: [
        { ip: '10.99.0.1', hops: [{ label: 'workstation', state: 'ok' }, { label: 'wg0', state: 'unknown' }, { label: '10.99.0.1:443', state: 'broken' }, { label: 'TLS', state: 'ok' }] },
      ],
    }
    expect(pathRows(plain(report))).toEqual([[['✔', 'workstation'], ['?', 'wg0'], ['✖', '10.99.0.1:443'], ['✔', 'TLS']]])
    expect(pathRows(plain({ ...okPublicEndpointReport, paths: [] }))).toEqual([])
  })

  it('shows one row per endpoint IP, in DNS answer order, hops in path order', () => {
    const rows = pathRows(plain(okPublicEndpointReport))
    expect(rows).toEqual(
      OK_PRIVATE_IPS.map((ip) => [
        ['✔', 'workstation'],
        ['✔', 'tailscale0'],
        ['✔', 'vpn-router-euw1'],
        ['✔', `${ip}:443`],
        ['✔', 'TLS'],
        ['✔', '/readyz'],
      ]),
    )
  })

  it('marks the timed-out IP broken and every hop after it not reached, while the other IP connects', () => {
    const [good, bad, ...more] = pathRows(plain(sgIntermittentReport))
    expect(more).toEqual([])
    expect(good?.slice(0, 4)).toEqual([
      ['✔', 'workstation'],
      ['✔', 'utun4'],
      ['✔', 'vpn-router-euw1'],
      ['✔', `${SG_IPS.ok}:443`],
    ])
    expect(bad).toEqual([
      ['✔', 'workstation'],
      ['✔', 'utun4'],
      ['✔', 'vpn-router-euw1'],
      ['✖', `${SG_IPS.timeout}:443`],
      ['·', 'TLS'],
      ['·', '/readyz'],
    ])
  })

  it('has no Path section when nothing resolved', () => {
    const inconclusive = REPORT_FIXTURES.find((f) => f.name === 'inconclusive')!.report
    expect(plain(inconclusive)).not.toContain('\nPath\n')
    expect(plain(inconclusive)).toContain('Verdict ? inconclusive')
  })
})

describe('renderText: further broken links', () => {
  it('lists every further link after the verdict, with its category, check and summary, and nothing when there is none', () => {
    const report: Report = {
      ...sgIntermittentReport,
      verdict: {
        ...sgIntermittentReport.verdict,
        further: [{ rootCause: 'network.nacl', category: 'security-group', confirmed: false, summary: 'acl-0123 denies TCP 443 in from 10.99.0.0/16' }],
      },
    }
    const lines = plain(report).split('\n')
    const at = lines.indexOf('Also broken (1)')
    expect(at).toBeGreaterThan(lines.findIndex((l) => l.startsWith('Verdict')))
    expect(lines.slice(at + 1, at + 3)).toEqual(['✖ security-group (likely, not confirmed)  [network.nacl]', '  acl-0123 denies TCP 443 in from 10.99.0.0/16'])
    expect(plain(sgIntermittentReport)).not.toContain('Also broken')
  })
})
