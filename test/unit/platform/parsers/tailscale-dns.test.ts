import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseTailscaleDnsStatus, type TailscaleDnsStatus } from '../../../../src/platform/parsers/tailscale-dns.js'

function readFixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/tailscale-dns/${name}`, import.meta.url), 'utf8')
}

// Tailscale's own resolvers for the ts.net. route, sent by control in every published output.
const TS_NET_ROUTE = { domain: 'ts.net.', resolvers: ['199.247.155.53', '2620:111:8007::53'] }

const WORKSHOP: TailscaleDnsStatus = {
  format: 'text',
  tailscaleDns: true,
  tailnetInfo: true,
  magicDns: true,
  magicDnsSuffix: 'tail6c02e5.ts.net',
  selfDnsName: 'example-macbookair-tailscale.tail6c02e5.ts.net.',
  resolvers: ['8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844'],
  splitDnsRoutes: [{ domain: 'ipinfo.io', resolvers: ['http://100.88.251.60:58091/dns-query'] }, TS_NET_ROUTE],
  fallbackResolvers: [],
  searchDomains: ['tail6c02e5.ts.net'],
  systemDns: {
    nameservers: ['10.7.0.1', '198.51.100.150', '198.51.100.10', '198.51.100.174', '198.51.100.254'],
    searchDomains: [],
    matchDomains: [],
  },
}

describe('parseTailscaleDnsStatus (text)', () => {
  it('reads macOS 1.98.2: accept-dns on, no global resolvers, the ts.net. route, system nameservers', () => {
    expect(parseTailscaleDnsStatus(readFixture('macos-1.98.2-enabled-no-resolvers.txt'))).toEqual({
      format: 'text',
      tailscaleDns: true,
      tailnetInfo: true,
      magicDns: true,
      magicDnsSuffix: 'taila2da57.ts.net',
      selfDnsName: 'example-mac-mini.taila2da57.ts.net.',
      resolvers: [],
      splitDnsRoutes: [TS_NET_ROUTE],
      fallbackResolvers: [],
      searchDomains: ['taila2da57.ts.net'],
      systemDns: { nameservers: ['192.168.68.1', '8.8.8.8'], searchDomains: [], matchDomains: [] },
    })
  })

  it('reads global resolvers in order and groups a split route given per resolver', () => {
    expect(parseTailscaleDnsStatus(readFixture('macos-workshop-global-nameservers-doh-route.txt'))).toEqual(WORKSHOP)
  })

  it('reads accept-dns off from an output its publisher cut short', () => {
    expect(parseTailscaleDnsStatus(readFixture('macos-disabled-excerpt.txt'))).toEqual({
      format: 'text',
      tailscaleDns: false,
      tailnetInfo: true,
      magicDns: true,
      magicDnsSuffix: 'tail61f416.ts.net',
      selfDnsName: 'examplebook.tail61f416.ts.net.',
      resolvers: [],
      splitDnsRoutes: [TS_NET_ROUTE],
      fallbackResolvers: [],
      searchDomains: ['tail61f416.ts.net'],
    })
  })

  it('reads --all (constructed from source): bootstrap stripped, fallback numbered, extra sections skipped', () => {
    expect(parseTailscaleDnsStatus(readFixture('constructed-from-source-all-split-dns.txt'))).toEqual({
      format: 'text',
      tailscaleDns: true,
      tailnetInfo: true,
      magicDns: true,
      magicDnsSuffix: 'tail1234.ts.net',
      selfDnsName: 'dev-laptop.tail1234.ts.net.',
      resolvers: ['https://dns.google/dns-query'],
      splitDnsRoutes: [
        { domain: 'eu-west-1.eks.amazonaws.com', resolvers: ['10.20.0.2'] },
        { domain: 'internal.corp.example.com.', resolvers: ['10.20.0.2', '10.21.0.2'] },
        { domain: 'ts.net.', resolvers: ['199.247.155.53'] },
      ],
      fallbackResolvers: ['1.1.1.1'],
      searchDomains: ['corp.example.com', 'tail1234.ts.net'],
      systemDns: { nameservers: ['192.168.1.1'], searchDomains: [], matchDomains: [] },
    })
  })

  it('reads the pre-1.96 fallback line, which printed the whole resolver struct', () => {
    const text = readFixture('constructed-from-source-all-split-dns.txt')
    for (const old of ['  0: &{1.1.1.1 []}', '  0: &{1.1.1.1 [] false}']) {
      expect(parseTailscaleDnsStatus(text.replace('  0: 1.1.1.1', old)).fallbackResolvers).toEqual(['1.1.1.1'])
    }
  })

  it('reads system match domains and nameservers separately from the tailnet ones', () => {
    const text = readFixture('constructed-from-source-all-split-dns.txt').replace(
      'Match domains:\n  (no match domains found)',
      'Match domains:\n  - corp.example.com',
    )
    const status = parseTailscaleDnsStatus(text)
    expect(status.systemDns).toEqual({ nameservers: ['192.168.1.1'], searchDomains: [], matchDomains: ['corp.example.com'] })
    expect(status.searchDomains).toEqual(['corp.example.com', 'tail1234.ts.net'])
  })

  it('reports no tailnet when logged out (constructed from source)', () => {
    expect(parseTailscaleDnsStatus(readFixture('constructed-from-source-no-tailnet.txt'))).toEqual({
      format: 'text',
      tailscaleDns: true,
      tailnetInfo: false,
      resolvers: [],
      splitDnsRoutes: [],
      fallbackResolvers: [],
      searchDomains: [],
    })
  })

  it.each([
    ['not supported on this platform', '  (reading the system DNS configuration is not supported on this platform)'],
    ['permission denied', '  (failed to read system DNS configuration: permission denied)'],
  ])('reads the system-DNS error line: %s', (error, line) => {
    // Both lines are printf formats of formatDNSStatusText; they replace the Nameservers block.
    const text = readFixture('macos-1.98.2-enabled-no-resolvers.txt').replace(
      /Nameservers:\n[\s\S]*?\n\n\[this/,
      `${line}\n\n[this`,
    )
    const status = parseTailscaleDnsStatus(text)
    expect(status.systemDnsError).toBe(error)
    expect(status.systemDns).toBeUndefined()
    expect(status.tailscaleDns).toBe(true)
  })

  it('reads CRLF like LF', () => {
    const text = readFixture('macos-workshop-global-nameservers-doh-route.txt')
    expect(parseTailscaleDnsStatus(text.replaceAll('\n', '\r\n'))).toEqual(WORKSHOP)
  })
})

describe('parseTailscaleDnsStatus (--json, constructed from source)', () => {
  it('reads the same facts from --json as from the text it was built from', () => {
    expect(parseTailscaleDnsStatus(readFixture('constructed-from-source-json-workshop.json'))).toEqual({ ...WORKSHOP, format: 'json' })
  })

  it('reads a logged-out --json, which holds only TailscaleDNS', () => {
    expect(parseTailscaleDnsStatus(readFixture('constructed-from-source-json-no-tailnet.json'))).toEqual({
      format: 'json',
      tailscaleDns: false,
      tailnetInfo: false,
      resolvers: [],
      splitDnsRoutes: [],
      fallbackResolvers: [],
      searchDomains: [],
    })
  })

  it('reads SystemDNSError and a route with no resolvers', () => {
    const doc = JSON.parse(readFixture('constructed-from-source-json-workshop.json')) as Record<string, unknown>
    delete doc.SystemDNS
    doc.SystemDNSError = 'not supported on this platform'
    ;(doc.SplitDNSRoutes as Record<string, unknown>)['tail6c02e5.ts.net.'] = []
    const status = parseTailscaleDnsStatus(JSON.stringify(doc))
    expect(status.systemDnsError).toBe('not supported on this platform')
    expect(status.systemDns).toBeUndefined()
    expect(status.splitDnsRoutes.map((r) => r.domain)).toEqual(['ipinfo.io', 'tail6c02e5.ts.net.', 'ts.net.'])
    expect(status.splitDnsRoutes[1]).toEqual({ domain: 'tail6c02e5.ts.net.', resolvers: [] })
  })
})

describe('parseTailscaleDnsStatus (anything else)', () => {
  it.each([
    ['empty output', ''],
    // The CLI's message when tailscaled is not running (cmd/tailscale/cli, see formats.md 1.1).
    ['the daemon is not running', "failed to connect to local tailscaled; it doesn't appear to be running (sudo systemctl start tailscaled ?)\n"],
    // What 1.72 and older return for `tailscale dns` (cmd/tailscale/cli/cli.go, root Exec).
    ['an older CLI without the subcommand', 'tailscale: unknown subcommand: dns\n'],
    ['broken JSON', '{"TailscaleDNS": tr'],
    ['JSON of the wrong shape', '{"BackendState": "Running"}'],
  ])('does not throw and reports nothing it cannot see: %s', (_name, text) => {
    const status = parseTailscaleDnsStatus(text)
    expect(status.tailscaleDns).toBeUndefined()
    expect(status).toMatchObject({ tailnetInfo: false, resolvers: [], splitDnsRoutes: [], searchDomains: [] })
  })
})
