import { describe, expect, it } from 'vitest'
import { summariseFleet } from '../../../src/engine/fleet.js'
import type { Report, Verdict } from '../../../src/engine/types.js'

function report(cluster: string, verdict: Partial<Verdict>): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'eksdoctor', version: '0.1.0' },
    startedAt: '2026-12-01T00:00:00.000Z',
    durationMs: 1,
    target: { cluster, region: 'eu-west-1' },
    verdict: { status: verdict.status ?? 'ok', category: verdict.category ?? 'ok', confirmed: true, alternatives: [], further: [], summary: '' },
    checks: [],
    fixes: [],
  }
}

describe('summariseFleet', () => {
  it('counts an inconclusive cluster as neither reachable nor failing, and exits with its code when it comes first', () => {
    const summary = summariseFleet(
      [
        report('a', { status: 'ok' }),
        report('b', { status: 'inconclusive', category: 'inconclusive' }),
        report('c', { status: 'warn' }),
        report('d', { status: 'fail', category: 'security-group' }),
      ],
      [],
    )
    expect(summary).toEqual({ clusters: 4, reachable: 2, failing: 1, inconclusive: 1, exitCode: 3 })
  })

  it('exits with the first failing cluster\'s category, 3 for an unlisted region, else 0', () => {
    expect(summariseFleet([report('a', { status: 'ok' }), report('b', { status: 'fail', category: 'dns' })], []).exitCode).toBe(20)
    expect(summariseFleet([report('a', { status: 'ok' })], [{ region: 'us-east-1', error: 'AccessDenied' }]).exitCode).toBe(3)
    expect(summariseFleet([report('a', { status: 'warn' })], [])).toEqual({ clusters: 1, reachable: 1, failing: 0, inconclusive: 0, exitCode: 0 })
  })
})
