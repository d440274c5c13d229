import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { type DigResult, parseDigShort } from '../../../../src/platform/parsers/dig.js'

/** One recorded run of `dig` (test/fixtures/dig/record.sh). */
interface Capture {
  command: string[]
  exitCode: number
  stdout: string
  stderr: string
}

function readCapture(name: string): Capture {
  const url = new URL(`../../../fixtures/dig/debian12-bind-9.18.49/${name}.json`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')) as Capture
}

describe('parseDigShort', () => {
  const cases: ReadonlyArray<readonly [string, DigResult]> = [
    ['a-two-records', { ok: true, addresses: ['10.0.12.34', '10.0.45.67'], cnames: [] }],
    ['aaaa-one-record', { ok: true, addresses: ['fd00:0:0:12::34'], cnames: [] }],
    ['a-cname', { ok: true, addresses: ['10.0.3.4'], cnames: ['internal-lb.name.example'] }],
    ['a-cname-chain', { ok: true, addresses: ['10.0.3.4'], cnames: ['endpoint.name.example', 'internal-lb.name.example'] }],
    // +short prints nothing for NXDOMAIN, NODATA and a REFUSED rcode alike, and dig exits 0.
    ['a-nxdomain', { ok: true, addresses: [], cnames: [] }],
    ['aaaa-nodata', { ok: true, addresses: [], cnames: [] }],
    ['a-rcode-refused', { ok: true, addresses: [], cnames: [] }],
    [
      'a-no-reply',
      { ok: false, code: 'DNS_NO_REPLY', message: 'communications error to 127.0.0.1#53532: timed out; no servers could be reached' },
    ],
    [
      'a-connection-refused',
      { ok: false, code: 'DNS_REFUSED', message: 'communications error to 127.0.0.1#53533: connection refused; no servers could be reached' },
    ],
  ]

  it.each(cases)('reads %s', (name, expected) => {
    const capture = readCapture(name)
    expect(capture.stderr).toBe('')
    expect(parseDigShort(capture.stdout, capture.exitCode)).toEqual(expected)
  })

  it('shows in the full answers what +short hides', () => {
    expect(readCapture('full-nxdomain').stdout).toContain('status: NXDOMAIN')
    expect(readCapture('full-rcode-refused').stdout).toContain('status: REFUSED')
  })

  it('reads the message of older dig versions as no reply', () => {
    // formats.md section 4: what dig before 9.18 printed when no server answered.
    expect(parseDigShort(';; connection timed out; no servers could be reached\n', 9)).toEqual({
      ok: false,
      code: 'DNS_NO_REPLY',
      message: 'connection timed out; no servers could be reached',
    })
  })

  it('reports another failure as DNS_ERROR', () => {
    expect(parseDigShort('', 10)).toEqual({ ok: false, code: 'DNS_ERROR', message: 'dig exited with status 10' })
  })
})
