import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  isResolvedStub,
  parseResolvectlQuery,
  parseResolvectlStatus,
  routeQuery,
  type ResolvedLink,
  type ResolvedStatus,
} from '../../../../src/platform/parsers/resolvectl.js'

function readFixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/resolvectl/${name}`, import.meta.url), 'utf8')
}

function readResolvConf(name: string): string {
  return readFileSync(new URL(`../../../fixtures/resolv-conf/${name}`, import.meta.url), 'utf8')
}

function status(name: string): ResolvedStatus {
  return parseResolvectlStatus(readFixture(name))
}

function linkNamed(parsed: ResolvedStatus, ifName: string): ResolvedLink {
  const link = parsed.links.find((candidate) => candidate.ifName === ifName)
  if (link === undefined) throw new Error(`no link ${ifName}`)
  return link
}

// resolvectl's highlight and normal sequences (ansi_highlight(), ansi_normal()), as printed on a TTY.
const HIGHLIGHT = '\x1b[0;1;39m'
const NORMAL = '\x1b[0m'

const TAILSCALE_REVERSE_ZONES = 64 + 1

describe('parseResolvectlStatus on recorded outputs', () => {
  it('reads systemd 245 (Ubuntu 20.04): "… setting:" lines, one value per line, padded values', () => {
    const parsed = status('ubuntu20.04-systemd245-tailscale-eth0-catchall.txt')
    expect(parsed.global).toEqual({
      scopes: [],
      servers: [],
      domains: [
        { name: 'openstacklocal', routingOnly: false },
        { name: 'tail000000.ts.net', routingOnly: false },
      ],
      fallbackServers: [],
      dnsOverTls: 'no',
      dnssec: 'no',
    })
    expect(parsed.links.map((link) => [link.ifIndex, link.ifName])).toEqual([
      [10, 'tailscale0'],
      [3, 'docker0'],
      [2, 'eth0'],
    ])

    const tailscale = linkNamed(parsed, 'tailscale0')
    expect(tailscale).toMatchObject({
      scopes: ['DNS'],
      defaultRoute: false,
      currentServer: '100.100.100.100',
      servers: ['100.100.100.100'],
      dnsOverTls: 'no',
      dnssec: 'no',
    })
    // The search domain, the IPv6 reverse zone, 64 IPv4 reverse zones and ~ts.net, all continued lines.
    expect(tailscale.domains).toHaveLength(1 + 1 + TAILSCALE_REVERSE_ZONES)
    expect(tailscale.domains[0]).toEqual({ name: 'tail000000.ts.net', routingOnly: false })
    expect(tailscale.domains).toContainEqual({ name: '64.100.in-addr.arpa', routingOnly: true })
    expect(tailscale.domains.at(-1)).toEqual({ name: 'ts.net', routingOnly: true })

    expect(linkNamed(parsed, 'docker0')).toEqual({
      ifIndex: 3,
      ifName: 'docker0',
      scopes: [],
      defaultRoute: false,
      servers: [],
      domains: [],
      dnsOverTls: 'no',
      dnssec: 'no',
    })
    expect(linkNamed(parsed, 'eth0')).toEqual({
      ifIndex: 2,
      ifName: 'eth0',
      scopes: ['DNS'],
      defaultRoute: true,
      currentServer: '100.125.1.250',
      servers: ['100.125.1.250'],
      domains: [
        { name: '.', routingOnly: true },
        { name: 'openstacklocal', routingOnly: false },
      ],
      dnsOverTls: 'no',
      dnssec: 'no',
    })
  })

  it('keeps the DNSSEC NTA list of systemd 245 out of the global domains', () => {
    const parsed = status('ubuntu20.04-systemd245-tailscale-eth0-catchall.txt')
    expect(parsed.global.domains.map((domain) => domain.name)).not.toContain('168.192.in-addr.arpa')
    expect(parsed.global.domains.map((domain) => domain.name)).not.toContain('corp')
  })

  it('reads systemd 255 (Ubuntu 24.04): Protocols flags, wrapped lists, resolv.conf mode', () => {
    const parsed = status('ubuntu24.04-systemd255-tailscale.txt')
    expect(parsed.global).toEqual({
      scopes: [],
      servers: [],
      domains: [],
      fallbackServers: [],
      resolvConfMode: 'stub',
      dnsOverTls: 'no',
      dnssec: 'no',
    })
    expect(linkNamed(parsed, 'enp130s0')).toEqual({
      ifIndex: 2,
      ifName: 'enp130s0',
      scopes: ['DNS'],
      defaultRoute: true,
      currentServer: '10.6.0.2',
      servers: ['10.6.0.2', '10.6.0.3'],
      domains: [{ name: 'xjtlu.edu.cn', routingOnly: false }],
      dnsOverTls: 'no',
      dnssec: 'no',
    })
    expect(linkNamed(parsed, 'wlp129s0')).toEqual({
      ifIndex: 3,
      ifName: 'wlp129s0',
      scopes: [],
      defaultRoute: false,
      servers: [],
      domains: [],
      dnsOverTls: 'no',
      dnssec: 'no',
    })
    const tailscale = linkNamed(parsed, 'tailscale0')
    expect(tailscale).toMatchObject({
      ifIndex: 4,
      scopes: ['DNS'],
      defaultRoute: false,
      currentServer: '100.100.100.100',
      servers: ['100.100.100.100', 'fd7a:115c:a1e0::53'],
    })
    expect(tailscale.domains).toHaveLength(1 + 1 + TAILSCALE_REVERSE_ZONES)
    expect(tailscale.domains.slice(0, 2)).toEqual([
      { name: 'tail000000.ts.net', routingOnly: false },
      { name: '0.e.1.a.c.5.1.1.a.7.d.f.ip6.arpa', routingOnly: true },
    ])
    // The last wrapped line holds three values, the last of them ~ts.net.
    expect(tailscale.domains.slice(-3)).toEqual([
      { name: '98.100.in-addr.arpa', routingOnly: true },
      { name: '99.100.in-addr.arpa', routingOnly: true },
      { name: 'ts.net', routingOnly: true },
    ])
  })

  it('reads systemd 258 (NixOS): "Default Route:" lines, fallback servers with #names, servers without a DNS scope', () => {
    const parsed = status('nixos-systemd258-default-route-fallback.txt')
    expect(parsed.global).toEqual({
      scopes: [],
      servers: [],
      domains: [],
      fallbackServers: [
        '1.1.1.1',
        '8.8.8.8',
        '9.9.9.9',
        '1.0.0.1',
        '8.8.4.4',
        '149.112.112.112',
        '2606:4700:4700::1111',
        '2001:4860:4860::8888',
        '2620:fe::fe',
        '2606:4700:4700::1001',
        '2001:4860:4860::8844',
        '2620:fe::9',
      ],
      resolvConfMode: 'stub',
      dnsOverTls: 'no',
      dnssec: 'no',
    })
    expect(parsed.links).toEqual([
      {
        ifIndex: 2,
        ifName: 'eno2',
        scopes: [],
        defaultRoute: false,
        servers: ['10.64.0.254', 'fd64::fffe'],
        domains: [],
        dnsOverTls: 'no',
        dnssec: 'no',
      },
      {
        ifIndex: 3,
        ifName: 'eno1',
        scopes: ['DNS', 'LLMNR/IPv4', 'LLMNR/IPv6'],
        defaultRoute: true,
        currentServer: 'fd64::fffe',
        servers: ['10.64.0.254', 'fd64::fffe'],
        domains: [],
        dnsOverTls: 'no',
        dnssec: 'no',
      },
      { ifIndex: 5, ifName: 'wlan0', scopes: [], defaultRoute: false, servers: [], domains: [], dnsOverTls: 'no', dnssec: 'no' },
    ])
  })

  it('reads a DNS-over-TLS setup: #server-name suffixes, +DNSOverTLS, a VPN link with ~., labels aligned per block', () => {
    const parsed = status('nextdns-dot-tun0-catchall.txt')
    expect(parsed.global).toMatchObject({
      resolvConfMode: 'stub',
      currentServer: '45.90.28.0',
      servers: ['45.90.28.0', '2a07:a8c0::', '45.90.30.0', '2a07:a8c1::'],
      dnsOverTls: 'yes',
      dnssec: 'no',
    })
    // "Current Scopes: none" starts in column 0 in the blocks without servers.
    expect(parsed.links.map((link) => [link.ifName, link.scopes, link.defaultRoute])).toEqual([
      ['enx020000000001', [], false],
      ['wlp0s20f3', [], false],
      ['docker0', [], false],
      ['tun0', ['DNS'], true],
    ])
    expect(linkNamed(parsed, 'tun0')).toMatchObject({
      servers: ['192.168.<X>.<Y>'],
      domains: [
        { name: '<custom_domain>.com', routingOnly: false },
        { name: '.', routingOnly: true },
      ],
      dnsOverTls: 'yes',
    })
  })

  it('reads a headscale tailscale0 that took ~. and is the default route (excerpt without Global)', () => {
    const parsed = status('headscale-tailscale0-catchall.excerpt.txt')
    expect(parsed.global).toEqual({ scopes: [], servers: [], domains: [], fallbackServers: [] })
    expect(parsed.links).toEqual([
      {
        ifIndex: 5,
        ifName: 'tailscale0',
        scopes: ['DNS'],
        defaultRoute: true,
        currentServer: '100.100.100.100',
        servers: ['100.100.100.100', 'fd7a:115c:a1e0::53'],
        domains: [
          { name: 'vpn.example.top', routingOnly: false },
          { name: '.', routingOnly: true },
        ],
        dnsOverTls: 'no',
        dnssec: 'no',
      },
    ])
  })

  it('reads systemd 245 OpenVPN output: tun0 with servers but no domain, wlo1 with ~.', () => {
    const parsed = status('ubuntu20.04-systemd245-openvpn-tun0-wlo1-catchall.excerpt.txt')
    expect(parsed.links.map((link) => [link.ifName, link.defaultRoute, link.servers, link.domains])).toEqual([
      ['tun0', true, ['192.168.0.2'], []],
      ['enx020000000002', false, [], []],
      ['wlo1', true, ['1.1.1.1'], [{ name: '.', routingOnly: true }]],
    ])
  })

  it('drops the %ifindex that link-local servers carry since systemd PR #40595, and reads LLMNR=resolve', () => {
    const parsed = status('systemd-pr40595-link-local-ifindex.excerpt.txt')
    expect(parsed.links).toEqual([
      {
        ifIndex: 2,
        ifName: 'enp34s0',
        scopes: ['DNS', 'LLMNR/IPv4', 'LLMNR/IPv6'],
        defaultRoute: true,
        currentServer: 'fe80::861e:a3ff:feb1:f8e7',
        servers: ['192.168.1.12', '192.168.1.13', 'fe80::861e:a3ff:feb1:f8e7'],
        domains: [{ name: 'lan', routingOnly: false }],
        dnsOverTls: 'no',
        dnssec: 'no',
      },
    ])
  })
})

describe('parseResolvectlStatus edge cases', () => {
  it('never throws and returns empty settings for empty or foreign text', () => {
    const empty = { global: { scopes: [], servers: [], domains: [], fallbackServers: [] }, links: [] }
    expect(parseResolvectlStatus('')).toEqual(empty)
    expect(parseResolvectlStatus('Failed to get global data: Unit dbus-org.freedesktop.resolve1.service not found.\n')).toEqual(empty)
    expect(parseResolvectlStatus('\u0000\u0001 : :\n   ~.\n\x1b[')).toEqual(empty)
  })

  it('reads the output a terminal gets, with ANSI colour codes around the headers', () => {
    const plain = readFixture('ubuntu24.04-systemd255-tailscale.txt')
    const coloured = plain.replace(/^(Global|Link \d+ \([^)]*\))$/gm, `${HIGHLIGHT}$1${NORMAL}`)
    expect(coloured).not.toBe(plain)
    expect(parseResolvectlStatus(coloured)).toEqual(parseResolvectlStatus(plain))
  })

  it('reads Protocols wrapped over several lines on a narrow terminal', () => {
    // Two blocks of a real capture in an 80-column terminal (code index id 28367817861).
    const parsed = parseResolvectlStatus(
      [
        'Link 2 (enp2s0)',
        '    Current Scopes: none',
        '         Protocols: -DefaultRoute +LLMNR',
        '                    +mDNS -DNSOverTLS',
        '                    DNSSEC=no/unsupported',
        '     Default Route: no',
        '',
        'Link 4 (virbr0)',
        '    Current Scopes: none',
        '         Protocols: -DefaultRoute +LLMNR',
        '                    +mDNS -DNSOverTLS',
        '                    DNSSEC=no/unsupported',
        '     Default Route: no',
      ].join('\n'),
    )
    expect(parsed.links.map((link) => [link.ifName, link.defaultRoute, link.dnsOverTls, link.dnssec])).toEqual([
      ['enp2s0', false, 'no', 'no'],
      ['virbr0', false, 'no', 'no'],
    ])
  })

  it('reads DNSOverTLS=opportunistic and DNSSEC=allow-downgrade (Global of tailscale/tailscale#10688)', () => {
    const parsed = parseResolvectlStatus(
      [
        'Global',
        '         Protocols: +LLMNR +mDNS DNSOverTLS=opportunistic DNSSEC=allow-downgrade/unsupported',
        '  resolv.conf mode: stub',
        'Current DNS Server: 1.1.1.1#cloudflare-dns.com',
      ].join('\n'),
    )
    expect(parsed.global).toEqual({
      scopes: [],
      servers: [],
      domains: [],
      fallbackServers: [],
      resolvConfMode: 'stub',
      currentServer: '1.1.1.1',
      dnsOverTls: 'opportunistic',
      dnssec: 'allow-downgrade',
    })
  })

  it('turns every server form of in_addr_port_ifindex_name_to_string() into the bare address', () => {
    // Constructed from the printing code: [v6%ifindex]:port#name, v4:port, v4#name, v6#name.
    const parsed = parseResolvectlStatus(
      'Link 3 (wg0)\n    Current Scopes: DNS\n       DNS Servers: [fe80::1%3]:5353#dns.example 10.0.0.1:5353 1.1.1.1#cloudflare-dns.com 2620:fe::9#dns.quad9.net\n',
    )
    expect(linkNamed(parsed, 'wg0').servers).toEqual(['fe80::1', '10.0.0.1', '1.1.1.1', '2620:fe::9'])
  })

  it('does not add the lines of a systemd 258 Delegate block to the link before it', () => {
    const base = readFixture('nixos-systemd258-default-route-fallback.txt')
    // Constructed from status_print_header(): "Delegate <id>" blocks follow the links.
    const withDelegate = `${base}\nDelegate corp\nCurrent DNS Server: 10.9.9.9\n       DNS Servers: 10.9.9.9\n        DNS Domain: ~corp.example\n     Default Route: no\n`
    expect(parseResolvectlStatus(withDelegate)).toEqual(parseResolvectlStatus(base))
  })

  it('lowercases domains and drops a trailing dot, since DNS names compare without case', () => {
    const parsed = parseResolvectlStatus('Link 7 (tun0)\n    Current Scopes: DNS\n       DNS Servers: 10.25.1.3\n        DNS Domain: EXAMPLE ~Corp.Example.\n')
    expect(linkNamed(parsed, 'tun0').domains).toEqual([
      { name: 'example', routingOnly: false },
      { name: 'corp.example', routingOnly: true },
    ])
  })
})

describe('parseResolvectlQuery', () => {
  it('reads the addresses, their links and the protocol line of systemd 255, skipping the CNAME line', () => {
    const result = parseResolvectlQuery(readFixture('ubuntu24.04-systemd255-query-cname.txt'))
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.addresses).toHaveLength(12)
    expect(result.addresses[0]).toEqual({ address: '2600:9000:2014:4000:12:7c44:15c0:93a1', link: 'enp130s0' })
    expect(result.addresses.slice(8)).toEqual([
      { address: '54.230.70.88', link: 'enp130s0' },
      { address: '54.230.70.27', link: 'enp130s0' },
      { address: '54.230.70.109', link: 'enp130s0' },
      { address: '54.230.70.78', link: 'enp130s0' },
    ])
    expect(result.addresses.map((answer) => answer.address)).not.toContain('(d1do0znm134sif.cloudfront.net)')
    expect(result.protocolNote).toBe('Information acquired via protocol DNS in 309.8ms.')
  })

  it('reads the same answer with the addresses highlighted as on a terminal', () => {
    const plain = readFixture('ubuntu24.04-systemd255-query-cname.txt')
    const coloured = plain.replace(/(54\.230\.70\.\d+|2600:[0-9a-f:]+)/g, `${HIGHLIGHT}$1${NORMAL}`)
    expect(coloured).not.toBe(plain)
    expect(parseResolvectlQuery(coloured)).toEqual(parseResolvectlQuery(plain))
  })

  it.each([
    ['nixos-systemd258-query-single-label-not-found.txt', "'patterson' not found"],
    ['systemd256-query-no-appropriate-name-servers.txt', 'resolve call failed: No appropriate name servers or networks for name found'],
  ])('reports the failure of %s', (name, error) => {
    expect(parseResolvectlQuery(readFixture(name))).toEqual({ ok: false, error })
  })

  it('reports output without an address, and a failure to reach systemd-resolved', () => {
    expect(parseResolvectlQuery('')).toEqual({ ok: false, error: 'resolvectl query printed no address' })
    // The wording of varlink_connect_with_query_timeout()'s log line in resolvectl.c.
    const noService = 'Failed to connect to service /run/systemd/resolve/io.systemd.Resolve: No such file or directory\n'
    expect(parseResolvectlQuery(noService)).toEqual({
      ok: false,
      error: 'Failed to connect to service /run/systemd/resolve/io.systemd.Resolve: No such file or directory',
    })
  })

  it('keeps an answer without a link comment (from the global scope)', () => {
    // Constructed: print_ifindex_comment() prints nothing for ifindex 0.
    expect(parseResolvectlQuery('api.example.com: 192.0.2.10\n\n-- Information acquired via protocol DNS in 12.1ms.\n')).toEqual({
      ok: true,
      addresses: [{ address: '192.0.2.10' }],
      protocolNote: 'Information acquired via protocol DNS in 12.1ms.',
    })
  })
})

describe('isResolvedStub', () => {
  it.each([
    ['resolv-conf', 'ubuntu-systemd-resolved-stub-tailscale.conf', true],
    ['resolv-conf', 'ubuntu-systemd-resolved-stub-search-dot.conf', true],
    ['resolvectl', 'ubuntu24.04-systemd255-stub-resolv.conf.txt', true],
    ['resolvectl', 'aks-node-uplink-resolv.conf.txt', false],
    ['resolv-conf', 'debian12-container.conf', false],
    ['resolv-conf', 'macos-scoped-ipv6-nameserver.conf', false],
    ['resolv-conf', 'rhel7-networkmanager-domain-search.conf', false],
  ] as const)('%s/%s → %s', (dir, name, expected) => {
    const text = dir === 'resolv-conf' ? readResolvConf(name) : readFixture(name)
    expect(isResolvedStub(text)).toBe(expected)
  })

  it('lets the first nameserver decide, as glibc and Go ask it first', () => {
    expect(isResolvedStub('nameserver 127.0.0.54\n')).toBe(true)
    expect(isResolvedStub('nameserver 127.0.0.53\nnameserver 10.0.0.2\n')).toBe(true)
    expect(isResolvedStub('nameserver 10.0.0.2\nnameserver 127.0.0.53\n')).toBe(false)
    // resolved's stub header over a file someone rewrote with another server.
    const stub = readFixture('ubuntu24.04-systemd255-stub-resolv.conf.txt')
    expect(isResolvedStub(stub.replace('nameserver 127.0.0.53', 'nameserver 8.8.8.8'))).toBe(false)
  })

  it('falls back to the header when there is no nameserver line', () => {
    const stub = readFixture('ubuntu24.04-systemd255-stub-resolv.conf.txt')
    expect(isResolvedStub(stub.replace('nameserver 127.0.0.53\n', ''))).toBe(true)
    const uplink = readFixture('aks-node-uplink-resolv.conf.txt')
    expect(isResolvedStub(uplink.replace('nameserver 168.63.129.16\n', ''))).toBe(false)
    expect(isResolvedStub('')).toBe(false)
  })
})

describe('routeQuery on recorded outputs', () => {
  const EKS = 'abcdef0123456789abcdef0123456789.gr7.eu-west-1.eks.amazonaws.com'

  it.each([
    // Ubuntu 24.04: tailscale0 is no default route; the LAN link is.
    ['ubuntu24.04-systemd255-tailscale.txt', 'node.tail000000.ts.net', ['tailscale0'], 'tail000000.ts.net'],
    ['ubuntu24.04-systemd255-tailscale.txt', 'other-tailnet.ts.net', ['tailscale0'], 'ts.net'],
    ['ubuntu24.04-systemd255-tailscale.txt', 'lab.xjtlu.edu.cn', ['enp130s0'], 'xjtlu.edu.cn'],
    ['ubuntu24.04-systemd255-tailscale.txt', EKS, ['enp130s0'], undefined],
    // Ubuntu 20.04: eth0 has ~. — longer tailnet domains still go to tailscale0.
    ['ubuntu20.04-systemd245-tailscale-eth0-catchall.txt', EKS, ['eth0'], '.'],
    ['ubuntu20.04-systemd245-tailscale-eth0-catchall.txt', 'node.tail000000.ts.net', ['tailscale0'], 'tail000000.ts.net'],
    ['ubuntu20.04-systemd245-tailscale-eth0-catchall.txt', 'ecs.openstacklocal', ['eth0'], 'openstacklocal'],
    // The VPN's own server is never asked: wlo1's ~. outranks tun0's DefaultRoute.
    ['ubuntu20.04-systemd245-openvpn-tun0-wlo1-catchall.excerpt.txt', 'git.corp.example', ['wlo1'], '.'],
    // tun0's ~. outranks the global DNS-over-TLS servers, which are only a default route.
    ['nextdns-dot-tun0-catchall.txt', EKS, ['tun0'], '.'],
    ['headscale-tailscale0-catchall.excerpt.txt', EKS, ['tailscale0'], '.'],
    // eno2 lists servers but has no DNS scope, so only eno1 is asked.
    ['nixos-systemd258-default-route-fallback.txt', EKS, ['eno1'], undefined],
  ])('%s: %s → %j', (fixture, host, links, matchedDomain) => {
    const route = routeQuery(status(fixture), host)
    expect(route.links.map((link) => link.ifName)).toEqual(links)
    expect(route.matchedDomain).toBe(matchedDomain)
  })

  it('says which domain won and which servers are asked', () => {
    const route = routeQuery(status('ubuntu24.04-systemd255-tailscale.txt'), 'node.tail000000.ts.net')
    expect(route.why).toContain('tailscale0 (100.100.100.100, fd7a:115c:a1e0::53) has the longest matching domain tail000000.ts.net (3 labels)')
    const catchAll = routeQuery(status('ubuntu20.04-systemd245-openvpn-tun0-wlo1-catchall.excerpt.txt'), 'git.corp.example')
    expect(catchAll.why).toContain('catch-all routing domain ~. sends it to wlo1 (1.1.1.1)')
    const fallback = routeQuery(status('nixos-systemd258-default-route-fallback.txt'), EKS)
    expect(fallback.why).toContain('DNS default route: eno1 (10.64.0.254, fd64::fffe)')
    expect(fallback.why).not.toContain('fallback')
  })
})

describe('routeQuery rules', () => {
  function link(ifName: string, options: Partial<ResolvedLink> & { domainWords?: string[] } = {}): ResolvedLink {
    const { domainWords = [], ...rest } = options
    return {
      ifName,
      scopes: ['DNS'],
      servers: ['192.0.2.1'],
      domains: domainWords.map((word) => ({ name: word.replace(/^~/, ''), routingOnly: word.startsWith('~') })),
      ...rest,
    }
  }
  function make(links: ResolvedLink[], global: Partial<ResolvedStatus['global']> = {}): ResolvedStatus {
    return { global: { scopes: [], servers: [], domains: [], fallbackServers: [], ...global }, links }
  }

  const corpVpn = link('tun0', { servers: ['10.8.0.1'], domainWords: ['~corp.example'], defaultRoute: false })
  const eksVpn = link('wg0', { servers: ['10.9.0.2'], domainWords: ['~eks.corp.example'], defaultRoute: false })
  const lan = link('eth0', { servers: ['192.168.1.1'], domainWords: ['lan'], defaultRoute: true })
  const wifi = link('wlan0', { servers: ['192.168.7.1'], defaultRoute: true })
  const tailnet = link('tailscale0', {
    servers: ['100.100.100.100'],
    domainWords: ['tail1234.ts.net', '~ts.net', '~100.100.in-addr.arpa'],
    defaultRoute: false,
  })
  const catchAllVpn = link('tun1', { servers: ['10.10.0.1'], domainWords: ['~.'], defaultRoute: true })

  it.each([
    ['the longest routing domain wins', make([corpVpn, eksVpn, lan]), 'api.eks.corp.example', ['wg0'], 'eks.corp.example'],
    ['a shorter routing domain takes the rest of its zone', make([corpVpn, eksVpn, lan]), 'git.corp.example', ['tun0'], 'corp.example'],
    ['a routing domain equal to the name matches', make([corpVpn, lan]), 'corp.example', ['tun0'], 'corp.example'],
    ['a suffix that is not a whole label does not match', make([corpVpn, lan]), 'notcorp.example', ['eth0'], undefined],
    ['~. catches what no longer domain matches', make([catchAllVpn, lan]), 'example.org', ['tun1'], '.'],
    ['a longer search domain still beats ~.', make([catchAllVpn, lan]), 'printer.lan', ['eth0'], 'lan'],
    ['no match goes to every DefaultRoute link', make([corpVpn, lan, wifi]), 'example.org', ['eth0', 'wlan0'], undefined],
    ['a tailnet split domain goes to tailscale0', make([tailnet, lan]), 'node.tail1234.ts.net', ['tailscale0'], 'tail1234.ts.net'],
    ['the rest of ts.net goes to tailscale0 too', make([tailnet, lan]), 'shared.other.ts.net', ['tailscale0'], 'ts.net'],
    ['other names skip tailscale0 without DefaultRoute', make([tailnet, lan]), 'example.org', ['eth0'], undefined],
    ['equal matches are all asked', make([corpVpn, link('tun9', { servers: ['10.8.9.1'], domainWords: ['~corp.example'] })]), 'x.corp.example', ['tun0', 'tun9'], 'corp.example'],
    ['trailing dot and case do not matter', make([tailnet, lan]), 'NODE.Tail1234.TS.NET.', ['tailscale0'], 'tail1234.ts.net'],
  ])('%s', (_rule, parsed, host, links, matchedDomain) => {
    const route = routeQuery(parsed, host)
    expect(route.links.map((candidate) => candidate.ifName)).toEqual(links)
    expect(route.matchedDomain).toBe(matchedDomain)
  })

  it('never routes to a link without servers or without a DNS scope, however well its domain matches', () => {
    const noServers = link('tun0', { servers: [], domainWords: ['~corp.example'], defaultRoute: false })
    const noScope = link('tun1', { scopes: [], domainWords: ['~corp.example'], defaultRoute: false })
    const route = routeQuery(make([noServers, noScope, lan]), 'git.corp.example')
    expect(route.links.map((candidate) => candidate.ifName)).toEqual(['eth0'])
    expect(route.matchedDomain).toBeUndefined()
  })

  it('adds the global servers to the DefaultRoute links when no domain matches', () => {
    const route = routeQuery(make([lan], { servers: ['9.9.9.9'] }), 'example.org')
    expect(route.links.map((candidate) => candidate.ifName)).toEqual(['eth0'])
    expect(route.why).toContain('eth0 (192.168.1.1) and the global DNS servers (9.9.9.9)')
    expect(route.why).toContain('asked in parallel')
  })

  it('routes a global ~. past the links, leaving links only their own longer domains (CachyOS-Welcome#257 setup)', () => {
    const eno1 = link('eno1', { servers: ['192.168.1.1'], domainWords: ['mydomain.com'], defaultRoute: true })
    const parsed = make([eno1], { servers: ['9.9.9.9'], domains: [{ name: '.', routingOnly: true }] })
    expect(routeQuery(parsed, 'nas.mydomain.com').links.map((candidate) => candidate.ifName)).toEqual(['eno1'])
    const other = routeQuery(parsed, 'example.org')
    expect(other.links).toEqual([])
    expect(other.matchedDomain).toBe('.')
    expect(other.why).toContain('the global DNS servers (9.9.9.9)')
  })

  it('infers DefaultRoute when it is not printed: off for a link with only routing-only domains', () => {
    const implicitVpn = link('tun0', { servers: ['10.8.0.1'], domainWords: ['~corp.example'] })
    const implicitLan = link('eth0', { servers: ['192.168.1.1'], domainWords: ['lan'] })
    const route = routeQuery(make([implicitVpn, implicitLan]), 'example.org')
    expect(route.links.map((candidate) => candidate.ifName)).toEqual(['eth0'])
    expect(route.why).toContain('systemd 239 or older')
  })

  it('uses the fallback servers only when no DefaultRoute link has servers', () => {
    const fallback = { fallbackServers: ['1.1.1.1', '8.8.8.8'] }
    const onlyFallback = routeQuery(make([corpVpn], fallback), 'example.org')
    expect(onlyFallback.links).toEqual([])
    expect(onlyFallback.why).toContain('the fallback DNS servers (1.1.1.1, 8.8.8.8) is used as the last resort')
    const withLan = routeQuery(make([corpVpn, lan], fallback), 'example.org')
    expect(withLan.links.map((candidate) => candidate.ifName)).toEqual(['eth0'])
    expect(withLan.why).not.toContain('fallback')
    // manager_get_dns_server() looks at the links' servers, not at their scopes: a DefaultRoute
    // link that is down (no DNS scope) still keeps the fallback servers away, and the query fails.
    const lanDown = link('eth0', { servers: ['192.168.1.1'], scopes: [], defaultRoute: true })
    const down = routeQuery(make([corpVpn, lanDown], fallback), 'example.org')
    expect(down.links).toEqual([])
    expect(down.why).toContain('No appropriate name servers')
  })

  it('fails the query when nothing can take it', () => {
    const route = routeQuery(make([corpVpn]), 'example.org')
    expect(route.links).toEqual([])
    expect(route.why).toContain('No appropriate name servers or networks for name found')
  })

  it('sends .local names to multicast DNS unless a DNS domain longer than ~. matches', () => {
    const mdnsLan = link('eth0', { servers: ['192.168.1.1'], scopes: ['DNS', 'mDNS/IPv4', 'mDNS/IPv6'], defaultRoute: true })
    expect(routeQuery(make([mdnsLan, catchAllVpn]), 'printer.local')).toMatchObject({ links: [] })
    expect(routeQuery(make([mdnsLan, catchAllVpn]), 'printer.local').why).toContain('multicast DNS')
    // Without an mDNS scope, ~. does take it (its match comes before the .local exclusion).
    expect(routeQuery(make([lan, catchAllVpn]), 'printer.local').links.map((candidate) => candidate.ifName)).toEqual(['tun1'])
    // Without any matching domain, .local never goes to a DefaultRoute link.
    expect(routeQuery(make([lan]), 'printer.local').links).toEqual([])
    const officeLocal = link('tun0', { servers: ['10.8.0.1'], domainWords: ['~office.local'], defaultRoute: false })
    const office = routeQuery(make([mdnsLan, officeLocal]), 'dc1.office.local')
    expect(office.links.map((candidate) => candidate.ifName)).toEqual(['tun0'])
    expect(office.why).not.toContain('multicast')
    // A DNS domain `local` ties with the mDNS scope (one label each): both are asked.
    const plainLocal = link('tun0', { servers: ['10.8.0.1'], domainWords: ['~local'], defaultRoute: false })
    const tie = routeQuery(make([mdnsLan, plainLocal]), 'dc1.local')
    expect(tie.links.map((candidate) => candidate.ifName)).toEqual(['tun0'])
    expect(tie.why).toContain('multicast DNS on eth0 is asked too')
  })

  it.each([
    ['localhost', 'never sent to a DNS server'],
    ['app.localhost', 'never sent to a DNS server'],
    ['thing.invalid', 'RFC 6761'],
    ['patterson', 'single-label name'],
    ['', 'no host name'],
  ])('does not route %j and says why', (host, why) => {
    const route = routeQuery(make([catchAllVpn, lan]), host)
    expect(route.links).toEqual([])
    expect(route.why).toContain(why)
  })
})
