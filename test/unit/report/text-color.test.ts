import { describe, expect, it } from 'vitest'
import type { Report } from '../../../src/engine/types.js'
import { REPORT_FIXTURES, SG_IPS, sgIntermittentReport } from '../../fixtures/reports/index.js'

// Colour goes through ansis, which decides once, when it loads, from the terminal and the
// environment: this file asks for colour before the renderer loads it.
process.env.FORCE_COLOR = '1'
const { renderText } = await import('../../../src/report/text.js')

const ESC = String.fromCharCode(27)
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, 'g')
const plain = (report: Report) => renderText(report, { color: false, redact: false })

describe('renderText: color', () => {
  it.each(REPORT_FIXTURES)('$name: color on adds ANSI codes around the same text, color off has none', ({ report }) => {
    const colored = renderText(report, { color: true, redact: false })
    const uncolored = plain(report)
    expect(colored.match(ANSI)?.length).toBeGreaterThan(report.checks.length)
    expect(uncolored).not.toContain(ESC)
    expect(colored.replace(ANSI, '')).toBe(uncolored)
  })

  it('paints a broken hop red and a passing check mark green', () => {
    const colored = renderText(sgIntermittentReport, { color: true, redact: false })
    expect(colored).toContain(`\u001b[31m✖\u001b[39m ${SG_IPS.timeout}:443`)
    expect(colored).toContain(`\u001b[32m✔\u001b[39m ${SG_IPS.ok}:443`)
    expect(colored).toContain('\u001b[32m✔\u001b[39m \u001b[1menv.tools')
  })
})
