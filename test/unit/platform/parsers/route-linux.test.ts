import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { RouteLookup } from '../../../../src/platform/parsers/route.js'
import { parseLinuxRouteGet } from '../../../../src/platform/parsers/route-linux.js'

/** One recorded run of `ip` (test/fixtures/ip-route/record.sh). */
interface Capture {
  command: string[]
  exitCode: number
  stdout: string
  stderr: string
}

function readCapture(name: string): Capture {
  const url = new URL(`../../../fixtures/ip-route/debian12-iproute2-6.1.0/${name}.json`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')) as Capture
}

/** Parses a capture, asking about the address the recorded command asked about. */
function parseCapture(name: string): RouteLookup {
  const capture = readCapture(name)
  const ip = capture.command.at(-1) as string
  return parseLinuxRouteGet(ip, capture.stdout, capture.stderr, capture.exitCode)
}

describe('parseLinuxRouteGet', () => {
  const cases: ReadonlyArray<readonly [string, RouteLookup]> = [
    [
      'tailscale-subnet',
      { destination: '10.0.12.34', ok: true, type: 'unicast', interface: 'tailscale0', source: '100.115.216.28', table: '52' },
    ],
    [
      'tailscale-peer',
      { destination: '100.102.162.30', ok: true, type: 'unicast', interface: 'tailscale0', source: '100.115.216.28', table: '52' },
    ],
    [
      'tailscale-ipv6',
      {
        destination: 'fd7a:115c:a1e0::aaaa:bbbb',
        ok: true,
        type: 'unicast',
        interface: 'tailscale0',
        source: 'fd7a:115c:a1e0::1234:5678',
        table: '52',
      },
    ],
    [
      'default-gateway',
      { destination: '198.51.100.7', ok: true, type: 'unicast', interface: 'eth0', gateway: '192.0.2.1', source: '192.0.2.2' },
    ],
    [
      'default-gateway-ipv6',
      { destination: '2001:db8::7', ok: true, type: 'unicast', interface: 'eth0', gateway: 'fd00::1', source: 'fd00::2' },
    ],
    ['local', { destination: '127.0.0.1', ok: true, type: 'local', interface: 'lo', source: '127.0.0.1', table: 'local' }],
    [
      'tailscale-subnet-fibmatch',
      { destination: '10.0.12.34', ok: true, type: 'unicast', interface: 'tailscale0', table: '52', matched: '10.0.0.0/16' },
    ],
    [
      'default-gateway-fibmatch',
      { destination: '198.51.100.7', ok: true, type: 'unicast', interface: 'eth0', gateway: '192.0.2.1', matched: '0.0.0.0/0' },
    ],
    ['no-route', { destination: '198.51.100.7', ok: false, error: 'RTNETLINK answers: Network is unreachable' }],
    // A throw route that falls through to no route looks exactly like no route at all.
    ['throw', { destination: '10.50.1.1', ok: false, error: 'RTNETLINK answers: Network is unreachable' }],
    ['unreachable', { destination: '10.20.1.1', ok: false, type: 'unreachable', error: 'RTNETLINK answers: No route to host' }],
    ['unreachable-fibmatch', { destination: '10.20.1.1', ok: false, type: 'unreachable', error: 'RTNETLINK answers: No route to host' }],
    ['unreachable-table52', { destination: '10.60.1.1', ok: false, type: 'unreachable', error: 'RTNETLINK answers: No route to host' }],
    ['blackhole', { destination: '10.30.1.1', ok: false, type: 'blackhole', error: 'RTNETLINK answers: Invalid argument' }],
    ['prohibit', { destination: '10.40.1.1', ok: false, type: 'prohibit', error: 'RTNETLINK answers: Permission denied' }],
  ]

  it.each(cases)('reads %s', (name, expected) => {
    expect(parseCapture(name)).toEqual(expected)
  })

  // `ip -j route show` prints reject routes with the same print_route() object a `route get`
  // answer has on kernels that return the route instead of an errno.
  it.each([
    ['show-unreachable', 'unreachable', '10.20.0.0/16'],
    ['show-blackhole', 'blackhole', '10.30.0.0/16'],
    ['show-prohibit', 'prohibit', '10.40.0.0/16'],
  ])('reads a %s route object as not ok', (name, type, prefix) => {
    const capture = readCapture(name)
    const ip = prefix.replace('.0.0/16', '.1.1')
    expect(parseLinuxRouteGet(ip, capture.stdout, capture.stderr, capture.exitCode)).toEqual({
      destination: ip,
      ok: false,
      type,
      matched: prefix,
      error: `${type} route`,
    })
  })

  it('does not throw on the text form, it reports it as unexpected', () => {
    const result = parseCapture('tailscale-subnet-text')
    expect(result).toEqual({
      destination: '10.0.12.34',
      ok: false,
      error: 'unexpected ip -j output: 10.0.12.34 dev tailscale0 table 52 src 100.115.216.28 uid 0',
    })
  })

  it('reports a failed run that printed nothing', () => {
    expect(parseLinuxRouteGet('10.0.0.1', '', '', 1)).toEqual({
      destination: '10.0.0.1',
      ok: false,
      error: 'ip exited with status 1 and printed nothing',
    })
  })
})
