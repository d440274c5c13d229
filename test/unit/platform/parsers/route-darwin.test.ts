import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { RouteLookup } from '../../../../src/platform/parsers/route.js'
import { parseDarwinRouteGet } from '../../../../src/platform/parsers/route-darwin.js'

function readFixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/route-darwin/${name}`, import.meta.url), 'utf8')
}

describe('parseDarwinRouteGet', () => {
  const cases: ReadonlyArray<readonly [string, string, RouteLookup]> = [
    [
      'real-world-systems-en1-default.txt',
      '192.0.43.10',
      { destination: '192.0.43.10', ok: true, interface: 'en1', gateway: '192.168.1.1', type: 'unicast', matched: '0.0.0.0/0' },
    ],
    [
      'egress-guard-en0-default.txt',
      '198.51.100.7',
      { destination: '198.51.100.7', ok: true, interface: 'en0', gateway: '192.168.1.1', type: 'unicast', matched: '0.0.0.0/0' },
    ],
    [
      'egress-guard-utun4-default.txt',
      '198.51.100.7',
      { destination: '198.51.100.7', ok: true, interface: 'utun4', type: 'unicast', matched: '0.0.0.0/0' },
    ],
    [
      'singbox-utun4-split-gateway.txt',
      '1.1.1.1',
      { destination: '1.1.1.1', ok: true, interface: 'utun4', gateway: '10.255.0.1', type: 'unicast', matched: '0.0.0.0/1' },
    ],
    [
      // Without -n the gateway comes back reverse-resolved; a host route has no mask line.
      'user-utun4-host-without-n.txt',
      '192.168.30.60',
      {
        destination: '192.168.30.60',
        ok: true,
        interface: 'utun4',
        gateway: 'static-tu-200-10-30-153.superredes.net',
        type: 'unicast',
        matched: '192.168.30.60/32',
      },
    ],
    [
      'mugvpn-utun4-subnet.txt',
      '10.94.0.0',
      { destination: '10.94.0.0', ok: true, interface: 'utun4', type: 'unicast', matched: '10.94.0.0/24' },
    ],
    [
      // "default" is only the zero address: with mask 128.0.0.0 it is the lower half, not /0.
      'mugvpn-utun4-split-default.txt',
      '10.94.0.0',
      { destination: '10.94.0.0', ok: true, interface: 'utun4', type: 'unicast', matched: '0.0.0.0/1' },
    ],
    [
      'mugvpn-utun4-ipv6.txt',
      'fd00:94::',
      { destination: 'fd00:94::', ok: true, interface: 'utun4', type: 'unicast', matched: 'fd00:94::/48' },
    ],
  ]

  it.each(cases)('reads %s', (name, ip, expected) => {
    expect(parseDarwinRouteGet(ip, readFixture(name), '')).toEqual(expected)
  })

  it('reports "not in table" from stderr although route exits 0', () => {
    expect(parseDarwinRouteGet('10.0.12.34', '', readFixture('not-in-table.stderr.txt'))).toEqual({
      destination: '10.0.12.34',
      ok: false,
      error: 'route: writing to routing socket: not in table',
    })
  })

  it('reports output without an interface line when stderr is empty', () => {
    expect(parseDarwinRouteGet('10.0.12.34', '', '')).toEqual({
      destination: '10.0.12.34',
      ok: false,
      error: 'route printed no interface',
    })
  })
})
