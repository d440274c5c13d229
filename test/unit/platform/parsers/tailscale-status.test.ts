import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseTailscalePrefs, parseTailscaleStatus } from '../../../../src/platform/parsers/tailscale-status.js'

function readFixture(path: string): string {
  return readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8')
}

// The two wordings of health.healthmsg.WarnAcceptRoutesOff, verbatim from tailscale/tailscale
// health/healthmsg/healthmsg.go (older commits, and commit 126da118ee16).
const ACCEPT_ROUTES_OFF_OLD = 'Some peers are advertising routes but --accept-routes is false'
const ACCEPT_ROUTES_OFF_NEW =
  'Some peers are advertising routes but --accept-routes is disabled (legacy default). To fix that, run tailscale set --accept-routes. For more info, see https://tailscale.com/kb/1019/subnets/#step-6-use-your-subnet-routes-from-other-machines'

describe('parseTailscaleStatus', () => {
  it('reads a Linux 1.76.1 status with one online peer', () => {
    expect(parseTailscaleStatus(readFixture('tailscale-status/linux-1.76.1.json'))).toEqual({
      version: '1.76.1-ERR-BuildInfo',
      backendState: 'Running',
      tun: true,
      health: [],
      tailnet: 'user@example.com',
      self: {
        id: 'nRJT1utJ3i11CNTRL',
        hostName: 'iKuai',
        dnsName: 'ikuai-1.tail1fb5f0.ts.net.',
        os: 'linux',
        online: true,
        active: false,
        exitNode: false,
        tailscaleIPs: ['100.104.58.51', 'fd7a:115c:a1e0::ef01:3a34'],
        allowedIPs: ['100.104.58.51/32', 'fd7a:115c:a1e0::ef01:3a34/128'],
        primaryRoutes: [],
        addrs: ['203.0.113.0:7316', '203.0.113.0:41641', '203.0.113.0:7315', '203.0.113.0:7321', '203.0.113.0:7330', '192.168.1.1:41641', '192.168.237.138:41641'],
        relay: 'sea',
      },
      peers: [
        {
          id: 'nYNNjYYJCN11CNTRL',
          hostName: 'iStoreOS',
          dnsName: 'istoreos.tail1fb5f0.ts.net.',
          os: 'linux',
          online: true,
          active: false,
          exitNode: false,
          tailscaleIPs: ['100.103.182.58', 'fd7a:115c:a1e0::f01:b63a'],
          allowedIPs: ['100.103.182.58/32', 'fd7a:115c:a1e0::f01:b63a/128'],
          primaryRoutes: [],
          relay: 'lax',
        },
      ],
      acceptRoutesHealthWarning: false,
    })
  })

  it('reads a Windows 1.102.4 status: a direct peer, a relayed one, lastSeen kept only when set', () => {
    const status = parseTailscaleStatus(readFixture('tailscale-status/windows-1.102.4.json'))
    expect(status.version).toBe('1.102.4-t3caf7d9e7-g084ee3b64')
    expect(status.self).toMatchObject({ hostName: 'unagi', os: 'windows', online: true, relay: 'tok' })
    expect(status.self).not.toHaveProperty('lastSeen')
    expect(status.peers).toEqual([
      {
        id: 'nsLdsemMmK11CNTRL',
        hostName: 'localhost',
        dnsName: 'ipad157.tail8b25a2.ts.net.',
        os: 'iOS',
        online: true,
        active: false,
        exitNode: false,
        tailscaleIPs: ['100.78.141.76', 'fd7a:115c:a1e0::1628:8d4d'],
        allowedIPs: ['100.78.141.76/32', 'fd7a:115c:a1e0::1628:8d4d/128'],
        primaryRoutes: [],
        relay: 'tok',
      },
      {
        id: 'nc8sekGy8C21CNTRL',
        hostName: 'localhost',
        dnsName: 'iphone-13.tail8b25a2.ts.net.',
        os: 'iOS',
        online: true,
        active: true,
        exitNode: false,
        tailscaleIPs: ['100.120.27.49', 'fd7a:115c:a1e0::8328:1b32'],
        allowedIPs: ['100.120.27.49/32', 'fd7a:115c:a1e0::8328:1b32/128'],
        primaryRoutes: [],
        curAddr: '172.16.31.147:41641',
        relay: 'tok',
        lastSeen: '2026-10-03T01:40:00.1Z',
      },
    ])
  })

  it('reads a 1.48.1 LocalAPI status: Health null, a subnet router, offline peers, no AllowedIPs yet', () => {
    const status = parseTailscaleStatus(readFixture('tailscale-status/ios-1.48.1-headscale.json'))
    expect(status).toMatchObject({ version: '1.48.1-ERR-BuildInfo', backendState: 'Running', tun: true, health: [], tailnet: 'example.com' })
    expect(status.acceptRoutesHealthWarning).toBe(false)
    expect(status.peers.map((peer) => [peer.id, peer.online, peer.primaryRoutes, peer.allowedIPs])).toEqual([
      ['3', false, [], []],
      ['2', false, [], []],
      ['1', true, ['192.168.50.210/32'], []],
    ])
    expect(status.peers[0]).toEqual({
      id: '3',
      hostName: 'localhost',
      dnsName: 'localhost-kv2v1lna.default.example.com',
      os: 'iOS',
      online: false,
      active: false,
      exitNode: false,
      tailscaleIPs: ['100.64.0.3', 'fd7a:115c:a1e0::3'],
      allowedIPs: [],
      primaryRoutes: [],
      relay: 'custom',
      lastSeen: '2024-03-26T05:46:25.749768363Z',
    })
    expect(status.peers[2]).toMatchObject({ hostName: 'headscale-848499b648-cqpgx', curAddr: '192.168.50.210:35305', active: true })
  })

  // No published status with this warning was found; the Health array of a real status is
  // replaced by the warning texts copied from tailscale's source.
  it.each([
    ['the old wording', ACCEPT_ROUTES_OFF_OLD],
    ['the 2026 wording', ACCEPT_ROUTES_OFF_NEW],
  ])('flags the --accept-routes health warning in %s', (_wording, message) => {
    const status = JSON.parse(readFixture('tailscale-status/windows-1.102.4.json')) as Record<string, unknown>
    status.Health = [message]
    const parsed = parseTailscaleStatus(JSON.stringify(status))
    expect(parsed.health).toEqual([message])
    expect(parsed.acceptRoutesHealthWarning).toBe(true)
  })

  it('throws a one-line error on output that is not JSON', () => {
    // The stderr line of a Linux CLI whose daemon is down (cmd/tailscale/cli), if it reached stdout.
    const line = "failed to connect to local tailscaled; it doesn't appear to be running (sudo systemctl start tailscaled ?)"
    expect(() => parseTailscaleStatus(`${line}\n`)).toThrow(`tailscale status --json: output is not JSON: ${JSON.stringify(line.slice(0, 80))}`)
  })

  it('throws on JSON without BackendState, such as debug prefs', () => {
    expect(() => parseTailscaleStatus(readFixture('tailscale-prefs/glinet-router-excerpt.json'))).toThrow(
      'tailscale status --json: no BackendState in the output',
    )
  })
})

describe('parseTailscalePrefs', () => {
  it('reads a router that advertises routes with an exit node selected', () => {
    expect(parseTailscalePrefs(readFixture('tailscale-prefs/glinet-router-excerpt.json'))).toEqual({
      routeAll: true,
      exitNodeId: 'npbtV5ZPiC21CNTRL',
      advertiseRoutes: ['192.168.1.0/24', '192.168.8.0/24'],
      noSNAT: false,
    })
  })

  it('reads a desktop that accepts routes and advertises none', () => {
    expect(parseTailscalePrefs(readFixture('tailscale-prefs/linux-gnome-excerpt.json'))).toEqual({
      routeAll: true,
      corpDNS: true,
      wantRunning: true,
      advertiseRoutes: [],
    })
  })

  it('throws a one-line error on the --pretty form, which is not JSON', () => {
    expect(() => parseTailscalePrefs('Prefs{ra=true dns=true want=true ...}')).toThrow(
      'tailscale debug prefs: output is not JSON: "Prefs{ra=true dns=true want=true ...}"',
    )
  })
})
