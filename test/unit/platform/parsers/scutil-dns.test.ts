import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { DarwinResolver } from '../../../../src/platform/parsers/scutil-dns.js'
import { chooseDarwinResolver, parseResolverFile, parseScutilDns } from '../../../../src/platform/parsers/scutil-dns.js'

function readFixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/scutil-dns/${name}`, import.meta.url), 'utf8')
}

function parseFixture(name: string): DarwinResolver[] {
  return parseScutilDns(readFixture(name))
}

function find(resolvers: DarwinResolver[], section: DarwinResolver['section'], index: number): DarwinResolver {
  const resolver = resolvers.find((candidate) => candidate.section === section && candidate.index === index)
  if (resolver === undefined) throw new Error(`no ${section} resolver #${index}`)
  return resolver
}

const A_AAAA = ['Request A records', 'Request AAAA records']
const MDNS_DOMAINS = ['local', '254.169.in-addr.arpa', '8.e.f.ip6.arpa', '9.e.f.ip6.arpa', 'a.e.f.ip6.arpa', 'b.e.f.ip6.arpa']

describe('parseScutilDns on recorded outputs', () => {
  it('reads a plain Wi-Fi setup: one default resolver, the mDNS domains, one scoped copy', () => {
    const resolvers = parseFixture('wifi-en0-ipv6-router.txt')
    expect(resolvers).toHaveLength(8)
    expect(resolvers.filter((r) => r.section === 'default').map((r) => r.domain)).toEqual([undefined, ...MDNS_DOMAINS])
    expect(find(resolvers, 'default', 1)).toEqual({
      section: 'default',
      index: 1,
      searchDomains: [],
      nameservers: ['2001:db8:1006:e906::c0a8:1d01', '192.168.29.1'],
      ifIndex: 12,
      ifName: 'en0',
      flags: A_AAAA,
      reach: 'Reachable,Directly Reachable Address',
      reachable: true,
      source: 'scutil',
    })
    expect(find(resolvers, 'default', 2)).toEqual({
      section: 'default',
      index: 2,
      domain: 'local',
      searchDomains: [],
      nameservers: [],
      options: 'mdns',
      timeout: 5,
      flags: A_AAAA,
      reach: 'Not Reachable',
      reachable: false,
      order: 300000,
      source: 'scutil',
    })
    expect(find(resolvers, 'default', 7).order).toBe(301000)
    const scoped = find(resolvers, 'scoped', 1)
    expect(scoped.flags).toEqual(['Scoped', ...A_AAAA])
    expect(scoped.ifIndex).toBe(12)
  })

  it('reads a full-tunnel VPN: a Supplemental domainless resolver on utun3 before the default one', () => {
    const resolvers = parseFixture('vpn-utun3-supplemental-default.txt')
    expect(resolvers).toHaveLength(10)
    expect(resolvers.filter((r) => r.section === 'scoped')).toHaveLength(2)
    const first = find(resolvers, 'default', 1)
    expect(first).toMatchObject({ nameservers: ['10.2.0.1'], ifIndex: 17, ifName: 'utun3', order: 101800, reachable: true })
    expect(first.flags).toEqual(['Supplemental', 'Request A records'])
    expect(first.reach).toBe('Reachable,Transient Connection')
    expect(first.domain).toBeUndefined()
    expect(find(resolvers, 'default', 2)).toMatchObject({ flags: ['Request A records'], order: 200000 })
    expect(find(resolvers, 'scoped', 1)).toMatchObject({
      searchDomains: ['mynetworksettings.com'],
      nameservers: ['192.168.1.1'],
      ifIndex: 5,
      ifName: 'en0',
      flags: ['Scoped', 'Request A records'],
    })
  })

  it('reads OS X 10.8 output: no flags lines and reach without the hex value', () => {
    const resolvers = parseFixture('osx-10.8-ppp0-vpn-wlan.txt')
    expect(resolvers).toHaveLength(10)
    // The paste starts at "resolver #1"; those resolvers still belong to the default section.
    expect(resolvers.slice(0, 8).every((r) => r.section === 'default')).toBe(true)
    expect(find(resolvers, 'default', 1)).toEqual({
      section: 'default',
      index: 1,
      searchDomains: [],
      nameservers: ['192.168.80.10', '192.168.80.24'],
      ifIndex: 6,
      ifName: 'ppp0',
      flags: [],
      reach: 'Reachable,Transient Connection',
      reachable: true,
      order: 100000,
      source: 'scutil',
    })
    const mdns = find(resolvers, 'default', 3)
    expect(mdns).toMatchObject({ domain: 'local', options: 'mdns', timeout: 5, order: 300000 })
    expect(mdns.reach).toBeUndefined()
    expect(mdns.reachable).toBeUndefined()
    expect(find(resolvers, 'scoped', 1)).toMatchObject({ ifName: 'en0', flags: ['Scoped'], reach: 'Reachable,Directly Reachable Address' })
    expect(find(resolvers, 'scoped', 2)).toMatchObject({ ifIndex: 6, ifName: 'ppp0', nameservers: ['192.168.80.10', '192.168.80.24'] })
  })

  it('reads the VPN-over-UMTS output with two default resolvers of equal order', () => {
    const resolvers = parseFixture('osx-10.8-vpn-ppp1-over-umts-ppp0.txt')
    expect(resolvers).toHaveLength(11)
    expect(find(resolvers, 'default', 1)).toMatchObject({ nameservers: ['198.51.100.126', '198.51.100.125'], ifName: 'ppp0', order: 100000 })
    expect(find(resolvers, 'default', 2)).toMatchObject({ nameservers: ['192.168.80.10', '192.168.80.24'], ifIndex: 7, ifName: 'ppp1', order: 100000 })
    expect(find(resolvers, 'default', 9).domain).toBe('b.e.f.ip6.arpa')
    expect(find(resolvers, 'scoped', 2).ifName).toBe('ppp0')
  })

  it('skips the unlabelled reach lines of the Tunnelblick paste and keeps a resolver without nameservers', () => {
    const resolvers = parseFixture('tunnelblick-openvpn-scoped-utun0.txt')
    expect(resolvers).toHaveLength(8)
    expect(find(resolvers, 'default', 1)).toEqual({
      section: 'default',
      index: 1,
      searchDomains: [],
      nameservers: [],
      flags: ['Request A records'],
      source: 'scutil',
    })
    expect(find(resolvers, 'default', 2)).toMatchObject({ domain: 'local', order: 300000, options: 'mdns' })
    expect(find(resolvers, 'scoped', 1)).toEqual({
      section: 'scoped',
      index: 1,
      searchDomains: ['openvpn'],
      nameservers: ['8.8.8.8', '8.8.4.4'],
      ifIndex: 13,
      ifName: 'utun0',
      flags: ['Scoped', 'Request A records'],
      source: 'scutil',
    })
  })

  it('reads the search.tailscale resolver of an /etc/resolver file and skips the "..." the user left', () => {
    const resolvers = parseFixture('tailscaled-1.56-headscale-search-tailscale.txt')
    expect(resolvers.map((r) => `${r.section}#${r.index}`)).toEqual(['default#1', 'default#2', 'default#8', 'scoped#1'])
    expect(find(resolvers, 'default', 8)).toEqual({
      section: 'default',
      index: 8,
      domain: 'search.tailscale',
      searchDomains: ['test.local', 'user1.ts.local'],
      nameservers: [],
      flags: ['Request A records'],
      reach: 'Not Reachable',
      reachable: false,
      source: 'scutil',
    })
    expect(find(resolvers, 'default', 1)).toMatchObject({ nameservers: ['192.168.100.101', '192.168.100.102'], ifIndex: 15 })
  })

  it('reads the Tailscale client and the corporate VPN as Supplemental resolvers on two utun interfaces', () => {
    const resolvers = parseFixture('tailscale-client-headscale-corp-vpn.excerpt.txt')
    expect(resolvers).toHaveLength(4)
    expect(find(resolvers, 'default', 1)).toMatchObject({
      searchDomains: ['internal.example.com', '<headscale namespace>.example.com', '<router DHCP domain_name>'],
      nameservers: ['100.100.100.100'],
      ifIndex: 27,
      ifName: 'utun4',
      flags: ['Supplemental', ...A_AAAA],
      order: 103400,
    })
    // The Tailscale client writes its match domain with a trailing dot; it is kept as printed.
    expect(find(resolvers, 'default', 3)).toMatchObject({ domain: '<headscale namespace>.example.com.', order: 103401 })
    expect(find(resolvers, 'default', 4)).toMatchObject({
      domain: 'internal.example.com',
      nameservers: ['<corporate DNS 1>', '<corporate DNS 2>', '<corporate DNS 3>'],
      ifIndex: 28,
      ifName: 'utun3',
      order: 101000,
      reach: 'Reachable,Transient Connection',
    })
  })

  it('reads /etc/resolver-shaped ts.net resolvers: no if_index, no Supplemental flag, no order', () => {
    const resolvers = parseFixture('tailscale-ts-net-resolver-files.excerpt.txt')
    expect(resolvers.map((r) => r.index)).toEqual([22, 23, 24, 25, 26, 27, 28])
    expect(resolvers.map((r) => r.domain)).toEqual([
      '115.100.in-addr.arpa',
      '66.100.in-addr.arpa',
      '80.100.in-addr.arpa',
      'tail0000a.ts.net',
      'binz',
      'ts.net',
      '79.100.in-addr.arpa',
    ])
    for (const resolver of resolvers) {
      expect(resolver).toMatchObject({ section: 'default', nameservers: ['100.100.100.100'], flags: A_AAAA, reachable: true })
      expect(resolver.ifIndex).toBeUndefined()
      expect(resolver.order).toBeUndefined()
    }
  })
})

describe('parseScutilDns edge cases', () => {
  it('never throws and returns nothing for output without resolvers', () => {
    expect(parseScutilDns('')).toEqual([])
    expect(parseScutilDns('No DNS configuration available\n')).toEqual([])
    expect(parseScutilDns('  nameserver[0] : 10.0.0.1\n')).toEqual([])
  })

  it('turns the signed port of configd before 1345 into the real port', () => {
    // The line as netty/netty#12052 shows it for Telepresence's resolver (macOS 12).
    const [resolver] = parseScutilDns('DNS configuration\n\nresolver #8\n  domain   : tel2-search\n  nameserver[0] : 127.0.0.1\n  port     : -11272\n')
    expect(resolver?.port).toBe(54264)
    expect(parseScutilDns('resolver #1\n  port     : 54264\n')[0]?.port).toBe(54264)
  })

  it('reads the -d form of flags and the service-specific section', () => {
    const [resolver] = parseScutilDns(
      'DNS configuration (for service-specific queries)\n\nresolver #1\n  nameserver[0] : 10.0.0.1\n  service_identifier : 3\n  flags    : 0x00000004 (Service-specific, Request A records)\n  reach    : 0x00000000 (Not Reachable)\n',
    )
    expect(resolver).toMatchObject({ section: 'service', flags: ['Service-specific', 'Request A records'], reachable: false })
  })

  it('keeps scoped IPv6 nameservers and an unknown interface name out of ifName', () => {
    const [resolver] = parseScutilDns('resolver #1\n  nameserver[0] : fe80::1%en0\n  if_index : 9 (?)\n')
    expect(resolver?.nameservers).toEqual(['fe80::1%en0'])
    expect(resolver?.ifIndex).toBe(9)
    expect(resolver?.ifName).toBeUndefined()
  })
})

describe('parseResolverFile', () => {
  it('prefers the domain line to the file name (Telepresence)', () => {
    expect(parseResolverFile('telepresence.kube-system.local', readFixture('resolver-files/telepresence.kube-system.local'))).toEqual({
      section: 'default',
      index: 0,
      domain: 'kube-system',
      searchDomains: [],
      nameservers: ['127.0.0.1'],
      port: 51812,
      flags: [],
      source: 'resolver-file',
    })
  })

  it('uses the file name as the domain when there is no domain line (tailscaled)', () => {
    expect(parseResolverFile('/etc/resolver/search.tailscale', readFixture('resolver-files/search.tailscale'))).toEqual({
      section: 'default',
      index: 0,
      domain: 'search.tailscale',
      searchDomains: ['example-tailnet.ts.net'],
      nameservers: [],
      flags: [],
      source: 'resolver-file',
    })
  })

  it('reads the file the way dnsinfo_flatfile.c does', () => {
    const text = [
      '# comment',
      '; comment',
      'Domain Corp.Example.',
      '  nameserver 10.9.9.9',
      'nameserver 10.0.0.1',
      'nameserver  10.0.0.2',
      'nameserver 10.0.0.17.55',
      'nameserver 10.0.0.4',
      'search a.example. b.example',
      'search_order 0x10',
      'timeout 7',
      'options ndots:2  debug',
      'flags scoped aaaa',
      'interface en5',
      'unknown value',
    ].join('\n')
    expect(parseResolverFile('ignored', text)).toEqual({
      section: 'scoped',
      index: 0,
      domain: 'Corp.Example',
      searchDomains: ['a.example', 'b.example'],
      // The indented line is no keyword; "nameserver  10.0.0.2" has an empty value but uses a slot;
      // MAXNS stops at the third nameserver line; ".55" is a port.
      nameservers: ['10.0.0.1', '10.0.0.17'],
      order: 16,
      timeout: 7,
      options: 'ndots:2 debug',
      flags: ['Scoped', 'Request AAAA records'],
      ifName: 'en5',
      source: 'resolver-file',
    })
  })

  it('keeps the first of repeated single-value keywords and rejects ports out of range', () => {
    const resolver = parseResolverFile('corp.example', 'port 70000\nport 53\nnameserver 10.0.0.1\n')
    expect(resolver.port).toBeUndefined()
    expect(resolver.domain).toBe('corp.example')
  })

  it('does not fall back to the file name when a domain line trims to nothing', () => {
    // configd counts the "domain" keyword before it trims the dots.
    expect(parseResolverFile('corp.example', 'domain .\nnameserver 10.0.0.1\n').domain).toBeUndefined()
  })

  it('CRLF files read like LF files', () => {
    expect(parseResolverFile('corp.example', 'nameserver 10.0.0.1\r\nport 5300\r\n')).toMatchObject({ nameservers: ['10.0.0.1'], port: 5300 })
  })
})

describe('chooseDarwinResolver on recorded outputs', () => {
  it('sends any name of a plain Wi-Fi setup to the default resolver', () => {
    const choice = chooseDarwinResolver(parseFixture('wifi-en0-ipv6-router.txt'), 'ABC123.gr7.eu-west-1.eks.amazonaws.com')
    expect(choice?.resolver.index).toBe(1)
    expect(choice?.matchedDomain).toBeUndefined()
    expect(choice?.why).toContain('the default, resolver #1')
  })

  it('sends .local names to multicast DNS', () => {
    const choice = chooseDarwinResolver(parseFixture('wifi-en0-ipv6-router.txt'), 'printer.local')
    expect(choice?.resolver.domain).toBe('local')
    expect(choice?.matchedDomain).toBe('local')
    expect(choice?.why).toContain('multicast DNS')
  })

  it('prefers the VPN resolver by its lower order when neither has a domain', () => {
    const choice = chooseDarwinResolver(parseFixture('vpn-utun3-supplemental-default.txt'), 'example.com')
    expect(choice?.resolver).toMatchObject({ index: 1, order: 101800 })
    expect(choice?.why).toContain('lower order')
  })

  it('keeps the listed order between domainless resolvers of equal order (UMTS resolver first, the user\'s complaint)', () => {
    const choice = chooseDarwinResolver(parseFixture('osx-10.8-vpn-ppp1-over-umts-ppp0.txt'), 'intranet.corp')
    expect(choice?.resolver.nameservers).toEqual(['198.51.100.126', '198.51.100.125'])
    expect(choice?.why).toContain('listed first')
  })

  it('finds no DNS server when the default resolver has no nameservers and the VPN one is only scoped', () => {
    const resolvers = parseFixture('tunnelblick-openvpn-scoped-utun0.txt')
    expect(chooseDarwinResolver(resolvers, 'example.com')).toBeUndefined()
    expect(chooseDarwinResolver(resolvers, 'mac.local')?.resolver.index).toBe(2)
  })

  it('routes the corporate domain to the corporate VPN and everything else to the Tailscale client', () => {
    const resolvers = parseFixture('tailscale-client-headscale-corp-vpn.excerpt.txt')
    const corp = chooseDarwinResolver(resolvers, 'API.Internal.Example.COM.')
    expect(corp?.resolver.index).toBe(4)
    expect(corp?.matchedDomain).toBe('internal.example.com')
    const other = chooseDarwinResolver(resolvers, 'github.com')
    expect(other?.resolver).toMatchObject({ index: 1, nameservers: ['100.100.100.100'] })
  })

  it('picks the tailnet domain over ts.net and ts.net for other tailnets', () => {
    const resolvers = parseFixture('tailscale-ts-net-resolver-files.excerpt.txt')
    expect(chooseDarwinResolver(resolvers, 'laptop.tail0000a.ts.net')?.matchedDomain).toBe('tail0000a.ts.net')
    expect(chooseDarwinResolver(resolvers, 'node.tail9999z.ts.net')?.matchedDomain).toBe('ts.net')
    expect(chooseDarwinResolver(resolvers, 'nas.binz')?.resolver.index).toBe(26)
    // The excerpt has no default resolver.
    expect(chooseDarwinResolver(resolvers, 'example.com')).toBeUndefined()
  })

  it('sends a .local search domain of headscale to multicast DNS, not to the default resolver', () => {
    const resolvers = parseFixture('tailscaled-1.56-headscale-search-tailscale.txt')
    expect(chooseDarwinResolver(resolvers, 'node.user1.ts.local')?.resolver.domain).toBe('local')
    expect(chooseDarwinResolver(resolvers, 'search.tailscale')?.resolver.index).toBe(1)
  })

  it('uses a resolver file added to the scutil resolvers', () => {
    const resolvers = [
      ...parseFixture('wifi-en0-ipv6-router.txt'),
      parseResolverFile('telepresence.kube-system.local', readFixture('resolver-files/telepresence.kube-system.local')),
    ]
    const choice = chooseDarwinResolver(resolvers, 'web.kube-system')
    expect(choice?.resolver.source).toBe('resolver-file')
    expect(choice?.resolver.port).toBe(51812)
    expect(choice?.why).toContain('/etc/resolver file for kube-system')
  })
})

function resolver(index: number, fields: Partial<DarwinResolver>): DarwinResolver {
  return { section: 'default', index, searchDomains: [], nameservers: ['10.0.0.' + index], flags: [], source: 'scutil', ...fields }
}

describe('chooseDarwinResolver rules', () => {
  const defaultResolver = resolver(1, {})
  const cases: ReadonlyArray<readonly [string, DarwinResolver[], string, number | undefined, string | undefined]> = [
    ['longest suffix wins', [defaultResolver, resolver(2, { domain: 'example.com' }), resolver(3, { domain: 'corp.example.com' })], 'api.corp.example.com', 3, 'corp.example.com'],
    ['a shorter suffix still beats the default', [defaultResolver, resolver(2, { domain: 'example.com' }), resolver(3, { domain: 'corp.example.com' })], 'www.example.com', 2, 'example.com'],
    ['the domain itself matches', [defaultResolver, resolver(2, { domain: 'corp.example.com' })], 'corp.example.com', 2, 'corp.example.com'],
    ['equal domains go to the lower order', [defaultResolver, resolver(2, { domain: 'corp.example.com', order: 200 }), resolver(3, { domain: 'corp.example.com', order: 100 })], 'a.corp.example.com', 3, 'corp.example.com'],
    ['equal domains and orders go to the first listed', [defaultResolver, resolver(2, { domain: 'corp.example.com', order: 100 }), resolver(3, { domain: 'corp.example.com', order: 100 })], 'a.corp.example.com', 2, 'corp.example.com'],
    ['an absent order counts as 0', [defaultResolver, resolver(2, { domain: 'corp.example.com', order: 100 }), resolver(3, { domain: 'corp.example.com' })], 'a.corp.example.com', 3, 'corp.example.com'],
    ['no match goes to the default', [defaultResolver, resolver(2, { domain: 'corp.example.com' })], 'example.org', 1, undefined],
    ['labels match whole: badexample.com is not under example.com', [defaultResolver, resolver(2, { domain: 'example.com' })], 'badexample.com', 1, undefined],
    ['the domainless resolver with the lowest order is the default', [resolver(1, { order: 200000 }), resolver(2, { order: 100000, flags: ['Supplemental'] })], 'example.org', 2, undefined],
    ['scoped resolvers are not used', [defaultResolver, resolver(2, { section: 'scoped', domain: 'corp.example.com', flags: ['Scoped'] })], 'a.corp.example.com', 1, undefined],
    ['service-specific resolvers are not used', [defaultResolver, resolver(2, { section: 'service', domain: 'corp.example.com' })], 'a.corp.example.com', 1, undefined],
    ['an mdns resolver never matches outside its domain', [defaultResolver, resolver(2, { domain: 'local', options: 'mdns', nameservers: [] })], 'printer.local.example.com', 1, undefined],
    ['an mdns resolver takes its own domain', [defaultResolver, resolver(2, { domain: 'local', options: 'mdns', nameservers: [] })], 'printer.local', 2, 'local'],
    ['a longer unicast domain beats an mdns domain', [defaultResolver, resolver(2, { domain: 'local', options: 'mdns', nameservers: [] }), resolver(3, { domain: 'corp.local' })], 'a.corp.local', 3, 'corp.local'],
    ['trailing dots and case are ignored', [defaultResolver, resolver(2, { domain: 'Corp.Example.COM.' })], 'API.corp.example.com.', 2, 'corp.example.com'],
    ['a resolver without nameservers is skipped', [defaultResolver, resolver(2, { domain: 'corp.example.com', nameservers: [] })], 'a.corp.example.com', 1, undefined],
    ['a resolver on port 5353 is skipped', [defaultResolver, resolver(2, { domain: 'corp.example.com', port: 5353 })], 'a.corp.example.com', 1, undefined],
    ['nothing to choose', [resolver(2, { domain: 'corp.example.com' })], 'example.org', undefined, undefined],
  ]

  it.each(cases)('%s', (_name, resolvers, host, index, matchedDomain) => {
    const choice = chooseDarwinResolver(resolvers, host)
    expect(choice?.resolver.index).toBe(index)
    expect(choice?.matchedDomain).toBe(matchedDomain)
  })

  it('says in why when the chosen resolver is not reachable', () => {
    const choice = chooseDarwinResolver([resolver(1, { reachable: false, reach: 'Not Reachable' })], 'example.org')
    expect(choice?.why).toContain('Not Reachable')
  })
})
