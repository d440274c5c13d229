import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  REJECT_AFTER_TIME_SECONDS,
  handshakeAgeSeconds,
  isHandshakeStale,
  parseWgDump,
  peerForIp,
  type WgInterface,
  type WgPeer,
} from '../../../../src/platform/parsers/wg-dump.js'

function readFixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/wg/${name}`, import.meta.url), 'utf8')
}

// The `date +%s` lines the sysreseval captures started with (see test/fixtures/SOURCES.md).
const SERVER_NOW_MS = 1791300164 * 1000
const FULL_TUNNEL_NOW_MS = 1791300282 * 1000

const SERVER_PUBLIC_KEY = 'JV48Q1t07KFukCKXFUVjHz6lOdjm7GReOJHXSq3shAs='
const GATEWAY_PEER_KEY = 'UXKFIDFbNI6yy+Narbrs7P1fGDjCyD44rcJy6FouqkM='

describe('parseWgDump', () => {
  it('reads `wg show all dump` of a server: the name from the first column, fwmark off dropped', () => {
    expect(parseWgDump(readFixture('sysreseval-all-dump-server.txt'))).toEqual([
      {
        name: 'wg0',
        publicKey: SERVER_PUBLIC_KEY,
        listenPort: 51820,
        peers: [
          {
            publicKey: GATEWAY_PEER_KEY,
            endpoint: '172.18.0.3:56475',
            allowedIps: ['10.99.0.2/32'],
            latestHandshake: 1791300158,
            rxBytes: 564,
            txBytes: 476,
          },
        ],
      },
    ])
  })

  it('reads a wg-quick full tunnel: hex fwmark, keepalive, 0.0.0.0/0', () => {
    expect(parseWgDump(readFixture('sysreseval-all-dump-full-tunnel.txt'))).toEqual([
      {
        name: 'wg0',
        publicKey: '8CiAoFGmY23YVitoLDNvhdZCTtHW2dFlNntI73cbuVM=',
        listenPort: 52728,
        fwmark: '0xca6c',
        peers: [
          {
            publicKey: 'TEK9K2pfGbgbx9OXXwrG9t4DB9bMc4P+qyA4DTsXJ1A=',
            endpoint: '172.18.0.2:51820',
            allowedIps: ['0.0.0.0/0'],
            latestHandshake: 1791300279,
            rxBytes: 92,
            txBytes: 180,
            persistentKeepalive: 25,
          },
        ],
      },
    ])
  })

  it('leaves endpoint and latestHandshake out for a peer that never handshook', () => {
    const [iface] = parseWgDump(readFixture('sysreseval-all-dump-psk-two-peers.txt'))
    expect(iface?.peers).toEqual([
      {
        publicKey: GATEWAY_PEER_KEY,
        endpoint: '172.18.0.3:56475',
        allowedIps: ['10.99.0.2/32'],
        latestHandshake: 1791300158,
        rxBytes: 692,
        txBytes: 604,
      },
      { publicKey: 'wuOGKaNsjOfziGJUUuRhzAltxd4YlvrvXUn/CAuqkkQ=', allowedIps: ['10.99.0.3/32'], rxBytes: 0, txBytes: 0 },
    ])
  })

  it('names a `wg show <if> dump` interface from o.interface, and leaves it empty without one', () => {
    const text = readFixture('sysreseval-wg0-dump-probe.txt')
    const expected: WgInterface = {
      name: 'wg0',
      publicKey: SERVER_PUBLIC_KEY,
      listenPort: 43210,
      peers: [
        {
          publicKey: GATEWAY_PEER_KEY,
          endpoint: '192.0.2.10:51820',
          allowedIps: ['10.99.0.1/32'],
          latestHandshake: 1791300158,
          rxBytes: 564,
          txBytes: 476,
        },
      ],
    }
    expect(parseWgDump(text, { interface: 'wg0' })).toEqual([expected])
    expect(parseWgDump(text, {})).toEqual([{ ...expected, name: '' }])
  })

  it('reads an exit-node client with two peers, one carrying 0.0.0.0/0 and a /32', () => {
    expect(parseWgDump(readFixture('rustynet-rustynet0-dump.txt'), { interface: 'rustynet0' })).toEqual([
      {
        name: 'rustynet0',
        publicKey: 'vUpDXsNJE+TkxScssNIX+My5Eyz/RudcfnukZj5cjBM=',
        listenPort: 51820,
        peers: [
          {
            publicKey: 'G9ElP+1yWjrrHvp297iGwA8JDB8BV9GURt29SOQTfBI=',
            endpoint: '192.168.18.44:51820',
            allowedIps: ['100.117.119.84/32'],
            latestHandshake: 1772750989,
            rxBytes: 3292,
            txBytes: 3748,
          },
          {
            publicKey: 'lTOSffDs4V6M8LWswYT2zhOsuMdGrBMy375Y46KQ8Bg=',
            endpoint: '192.168.18.37:51820',
            allowedIps: ['0.0.0.0/0', '100.89.224.18/32'],
            latestHandshake: 1772751026,
            rxBytes: 5852,
            txBytes: 6276,
          },
        ],
      },
    ])
  })

  it('reads IPv6 allowed IPs next to IPv4 ones', () => {
    const [iface] = parseWgDump(readFixture('firezone-sandbox-wg0-dump.txt'), { interface: 'wg0' })
    expect(iface?.peers.map((p) => [p.publicKey, p.endpoint, p.allowedIps, p.rxBytes, p.txBytes])).toEqual([
      ['+wEYaT5kNg7mp+KbDMjK0FkQBtrN8RprHxudAgS0vS0=', '203.0.113.115:54248', ['10.3.2.7/32', 'fd00::3:2:7/128'], 14161600, 3668160],
      ['JOvewkquusVzBHIRjvq32gE4rtsmDKyGh8ubhT4miAY=', '203.0.113.67:44491', ['10.3.2.8/32', 'fd00::3:2:8/128'], 177417128, 138272552],
    ])
  })

  it('keeps neither the private key nor the preshared keys', () => {
    // The fixtures hold "(hidden)" in those fields; a marker there must not reach the result.
    const marker = 'SECRET-FIELD-MUST-NOT-BE-COPIED'
    for (const name of ['sysreseval-all-dump-full-tunnel.txt', 'sysreseval-all-dump-psk-two-peers.txt', 'firezone-sandbox-wg0-dump.txt']) {
      const text = readFixture(name).replaceAll('(hidden)', marker)
      const parsed = parseWgDump(text, { interface: 'wg0' })
      expect(parsed[0]?.peers.length).toBeGreaterThan(0)
      expect(JSON.stringify(parsed)).not.toContain(marker)
    }
  })

  it('skips lines that are not dump lines, such as the `date +%s` a script printed first', () => {
    const original = readFixture('sysreseval-all-dump-server.txt')
    expect(parseWgDump(`1791300164\n${original}`)).toEqual(parseWgDump(original))
    expect(parseWgDump(`PING=0\n${readFixture('sysreseval-wg0-dump-probe.txt')}`, { interface: 'wg0' })[0]?.listenPort).toBe(43210)
  })

  it('reads CRLF line ends like LF', () => {
    const text = readFixture('sysreseval-all-dump-full-tunnel.txt')
    expect(parseWgDump(text.replaceAll('\n', '\r\n'))).toEqual(parseWgDump(text))
  })

  it('keeps the peers of an interface whose own line is missing (cut output)', () => {
    const peerLine = readFixture('sysreseval-all-dump-server.txt').split('\n')[1] as string
    expect(parseWgDump(peerLine)).toEqual([
      { name: 'wg0', publicKey: '', peers: [expect.objectContaining({ publicKey: GATEWAY_PEER_KEY })] },
    ])
  })

  it.each([
    ['empty output', ''],
    ['an error message', 'Unable to access interface: Operation not permitted\n'],
    ['a pretty `wg show`', 'interface: wg0\n  public key: (hidden)\n  listening port: 51820\n'],
    ['a peer line with words where numbers belong', 'wg0\tkey=\t(none)\t(none)\t(none)\tnever\tlots\tsome\toff'],
  ])('returns [] for %s', (_name, text) => {
    expect(parseWgDump(text, { interface: 'wg0' })).toEqual([])
  })
})

describe('peerForIp', () => {
  const rustynet = parseWgDump(readFixture('rustynet-rustynet0-dump.txt'), { interface: 'rustynet0' })
  const firezone = parseWgDump(readFixture('firezone-sandbox-wg0-dump.txt'), { interface: 'wg0' })
  const both = [...rustynet, ...firezone]
  // Built in the test, not read from an output: a dual-stack full tunnel and a narrower IPv6 peer.
  const dualStack: WgInterface[] = [
    {
      name: 'wg1',
      publicKey: '',
      peers: [
        { publicKey: 'peer-default', allowedIps: ['0.0.0.0/0', '::/0'], rxBytes: 0, txBytes: 0 },
        { publicKey: 'peer-v6-only', allowedIps: ['::/0', '2001:db8:1::/48'], rxBytes: 0, txBytes: 0 },
      ],
    },
  ]

  it.each([
    ['a /32 beats 0.0.0.0/0 on another peer', rustynet, '100.117.119.84', 'G9ElP+1yWjrrHvp297iGwA8JDB8BV9GURt29SOQTfBI=', '100.117.119.84/32'],
    ['the /32 of the default peer', rustynet, '100.89.224.18', 'lTOSffDs4V6M8LWswYT2zhOsuMdGrBMy375Y46KQ8Bg=', '100.89.224.18/32'],
    ['anything else falls to 0.0.0.0/0', rustynet, '10.20.0.2', 'lTOSffDs4V6M8LWswYT2zhOsuMdGrBMy375Y46KQ8Bg=', '0.0.0.0/0'],
    ['a /32 on one interface beats 0.0.0.0/0 on another', both, '10.3.2.7', '+wEYaT5kNg7mp+KbDMjK0FkQBtrN8RprHxudAgS0vS0=', '10.3.2.7/32'],
    ['IPv6 /128', firezone, 'fd00::3:2:8', 'JOvewkquusVzBHIRjvq32gE4rtsmDKyGh8ubhT4miAY=', 'fd00::3:2:8/128'],
    ['IPv6 written in brackets', firezone, '[fd00::3:2:7]', '+wEYaT5kNg7mp+KbDMjK0FkQBtrN8RprHxudAgS0vS0=', 'fd00::3:2:7/128'],
    ['IPv6 /48 beats ::/0', dualStack, '2001:db8:1::5', 'peer-v6-only', '2001:db8:1::/48'],
    ['IPv4 goes to 0.0.0.0/0, never to ::/0', dualStack, '192.0.2.1', 'peer-default', '0.0.0.0/0'],
  ])('%s', (_name, interfaces, ip, publicKey, cidr) => {
    const match = peerForIp(interfaces, ip)
    expect(match?.peer.publicKey).toBe(publicKey)
    expect(match?.cidr).toBe(cidr)
    expect(match?.iface.peers).toContain(match?.peer)
  })

  it('reports the interface the match came from', () => {
    expect(peerForIp(both, '10.3.2.8')?.iface.name).toBe('wg0')
    expect(peerForIp(both, '100.89.224.18')?.iface.name).toBe('rustynet0')
  })

  it.each([
    ['an IPv6 address when only IPv4 has a default', rustynet, '2001:db8::1'],
    // node's BlockList would match IPv4 inside ::/0 (as ::ffff:192.0.2.1); WireGuard does not.
    ['an IPv4 address when only IPv6 has a default', [{ ...dualStack[0]!, peers: dualStack[0]!.peers.slice(1) }], '192.0.2.1'],
    ['an IPv6 address outside every prefix', firezone, 'fd00::3:2:9'],
    ['an IPv4 address outside every prefix', firezone, '10.3.2.9'],
    ['something that is not an address', both, 'api.eks.example'],
    ['no interfaces', [], '10.0.0.1'],
  ])('finds nothing for %s', (_name, interfaces, ip) => {
    expect(peerForIp(interfaces, ip)).toBeUndefined()
  })
})

describe('handshake age', () => {
  const [server] = parseWgDump(readFixture('sysreseval-all-dump-server.txt'))
  const [fullTunnel] = parseWgDump(readFixture('sysreseval-all-dump-full-tunnel.txt'))
  const [twoPeers] = parseWgDump(readFixture('sysreseval-all-dump-psk-two-peers.txt'))
  const fresh = server?.peers[0] as WgPeer
  const never = twoPeers?.peers[1] as WgPeer
  const handshake = 1791300158

  it('uses the WireGuard Reject-After-Time of 180 s', () => {
    expect(REJECT_AFTER_TIME_SECONDS).toBe(180)
  })

  it.each([
    ['never handshook', never, SERVER_NOW_MS, undefined, true],
    ['fresh, as recorded (6 s)', fresh, SERVER_NOW_MS, 6, false],
    ['fresh full tunnel, as recorded (3 s)', fullTunnel?.peers[0] as WgPeer, FULL_TUNNEL_NOW_MS, 3, false],
    ['179.9 s is still 179', fresh, (handshake + 179) * 1000 + 900, 179, false],
    ['exactly 180 s is stale (the kernel expires at >=)', fresh, (handshake + 180) * 1000, 180, true],
    ['stale, an hour later', fresh, (handshake + 3600) * 1000, 3600, true],
    ['a clock behind the handshake gives 0', fresh, (handshake - 30) * 1000, 0, false],
    ['an invalid now', fresh, Number.NaN, undefined, true],
  ])('%s', (_name, peer, nowMs, age, stale) => {
    expect(handshakeAgeSeconds(peer, nowMs)).toBe(age)
    expect(isHandshakeStale(peer, nowMs)).toBe(stale)
  })
})
