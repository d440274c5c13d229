import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  chooseWindowsResolver,
  parseDnsClientServerAddressTable,
  parseNrptList,
  parseWindowsDns,
  windowsDnsArgs,
  type InterfaceDns,
  type NrptRule,
  type WindowsDnsConfig,
} from '../../../../src/platform/parsers/dns-windows.js'

function readFixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/dns-windows/${name}`, import.meta.url), 'utf8')
}

const DA_SERVERS = ['2001:db8:1::2', '2001:db8:2::20', '2001:db8:6::6']

describe('windowsDnsArgs', () => {
  const args = windowsDnsArgs()
  const script = args[3] ?? ''

  it('runs one non-interactive command without the profile', () => {
    expect(args).toHaveLength(4)
    expect(args.slice(0, 3)).toEqual(['-NoProfile', '-NonInteractive', '-Command'])
  })

  it('reads the effective NRPT, the interfaces and their metric, as JSON deep enough for the server lists', () => {
    expect(script).toContain('Get-DnsClientNrptPolicy -Effective | Select-Object Namespace, NameServers, DirectAccessEnabled, DirectAccessDnsServers, DnsSecValidationRequired')
    expect(script).toContain('Get-DnsClientServerAddress')
    expect(script).toContain('Get-NetIPInterface')
    expect(script).toContain('InterfaceMetric = $(if ($i) { $i.InterfaceMetric }')
    expect(script).toContain('AddressFamily = [int]$_.AddressFamily')
    expect(script.endsWith('$r | ConvertTo-Json -Depth 4')).toBe(true)
  })

  it('reports a failed NRPT read instead of dropping it, and prints UTF-8 without progress records', () => {
    expect(script).toContain('catch { $r.NrptError = $_.Exception.Message }')
    expect(script).toContain('[Console]::OutputEncoding = [System.Text.Encoding]::UTF8')
    expect(script).toContain("$ProgressPreference = 'SilentlyContinue'")
  })

  it('has no double quote, which the argv quoting for powershell.exe would have to escape', () => {
    expect(script).not.toContain('"')
  })
})

describe('parseNrptList on published Get-DnsClientNrptPolicy output', () => {
  it('reads the DirectAccess policy of the Microsoft example, with its wrapped server list', () => {
    expect(parseNrptList(readFixture('ms-docs-nrpt-policy-directaccess.txt'))).toEqual([
      { namespace: 'nls.corp.contoso.com', nameServers: [], dnsSecEnabled: false },
      { namespace: '.corp.contoso.com', nameServers: [], dnsSecEnabled: false, directAccessServers: DA_SERVERS },
    ])
  })

  it('reads DirectAccessEnabled True and blank DNSSEC fields of the effective policy', () => {
    expect(parseNrptList(readFixture('ms-docs-nrpt-policy-directaccess-effective.txt'))).toEqual([
      { namespace: 'nls.corp.contoso.com', nameServers: [], directAccess: true },
      { namespace: '.corp.contoso.com', nameServers: [], directAccess: true, directAccessServers: DA_SERVERS },
    ])
  })

  it('reads DnsSecValidationRequired as the DNSSEC flag of a policy entry', () => {
    expect(parseNrptList(readFixture('ms-docs-nrpt-policy-dnssec-effective.txt'))).toEqual([
      { namespace: '.contoso.com', nameServers: [], dnsSecEnabled: false, directAccess: false },
      { namespace: '.secure.contoso.com', nameServers: [], dnsSecEnabled: true, directAccess: false },
    ])
  })

  it('skips the cut-off record at the top of a pasted excerpt and keeps both copies of a namespace', () => {
    expect(parseNrptList(readFixture('netbird-ad-joined-nrpt-policy-excerpt.txt'))).toEqual([
      { namespace: '.another.tpg.local', nameServers: ['100.116.255.254'], dnsSecEnabled: false },
      { namespace: '.another.tpg.local', nameServers: ['100.116.255.254'] },
    ])
  })

  it('splits records on a repeated key when the blank lines were lost, and reads CRLF', () => {
    const text = readFixture('ms-docs-nrpt-policy-directaccess.txt')
    const expected = parseNrptList(text)
    expect(parseNrptList(text.replace(/\n\n/g, '\n'))).toEqual(expected)
    expect(parseNrptList(text.replace(/\n/g, '\r\n'))).toEqual(expected)
  })
})

describe('parseNrptList on published Get-DnsClientNrptRule output', () => {
  it('reads the DirectAccess GPO rules with their Name and the braces around Namespace', () => {
    expect(parseNrptList(readFixture('ms-docs-nrpt-rule-directaccess-gpo.txt'))).toEqual([
      {
        namespace: '.corp.contoso.com',
        nameServers: [],
        source: 'DA-{FD4B6054-F8C8-4868-94E6-8132AC707DBD}',
        dnsSecEnabled: false,
        directAccess: true,
        directAccessServers: DA_SERVERS,
      },
      { namespace: 'nls.corp.contoso.com', nameServers: [], source: 'DA-{274D94E4-E38B-4997-BA9F-84700712C09E}', dnsSecEnabled: false, directAccess: true },
    ])
  })

  it('reads a local FQDN rule added with Add-DnsClientNrptRule, ignoring the prompt lines', () => {
    expect(parseNrptList(readFixture('sigma-nrpt-rule-fqdn.txt'))).toEqual([
      { namespace: 'test.test', nameServers: ['10.0.0.1'], source: '{BD0629C2-E6C0-48D6-A78E-D23DE63BC36B}', dnsSecEnabled: false, directAccess: false },
    ])
  })

  it('reads the rule NetBird wrote, keeping the address the user masked as printed', () => {
    expect(parseNrptList(readFixture('netbird-nrpt-rule.txt'))).toEqual([
      { namespace: 'npu.local', nameServers: ['100.7x.255.254'], source: '{31008AE5-D0EA-4521-A936-37C69F3A121E}', dnsSecEnabled: false, directAccess: false },
    ])
  })

  // Constructed from the sigma fixture: Format-List prints a multi-namespace rule as {a, b} and
  // cuts arrays past $FormatEnumerationLimit (4) with "...".
  it('gives one entry per namespace and drops the enumeration-limit ellipsis', () => {
    const text = readFixture('sigma-nrpt-rule-fqdn.txt')
      .replace('{test.test}', '{.tail1234.ts.net, 100.100.in-addr.arpa}')
      .replace('NameServers                      : 10.0.0.1', 'NameServers                      : {10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4...}')
    expect(parseNrptList(text).map((rule) => [rule.namespace, rule.nameServers])).toEqual([
      ['.tail1234.ts.net', ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']],
      ['100.100.in-addr.arpa', ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']],
    ])
  })

  it('finds nothing in text that is not Format-List output', () => {
    expect(parseNrptList('')).toEqual([])
    expect(parseNrptList(readFixture('firezone-server2019-dns-server-address.txt'))).toEqual([])
  })
})

describe('parseDnsClientServerAddressTable', () => {
  it('reads the Firezone tunnel and the EC2 adapter of a Windows Server 2019 instance', () => {
    expect(parseDnsClientServerAddressTable(readFixture('firezone-server2019-dns-server-address.txt'))).toEqual([
      { alias: 'Firezone', index: 27, family: 4, servers: ['100.100.111.4', '100.100.111.1', '100.100.111.3', '100.100.111.2'] },
      { alias: 'Firezone', index: 27, family: 6, servers: [] },
      { alias: 'Ethernet', index: 4, family: 4, servers: ['10.255.252.2'] },
      { alias: 'Ethernet', index: 4, family: 6, servers: [] },
      { alias: 'Loopback Pseudo-Interface 1', index: 1, family: 4, servers: [] },
      { alias: 'Loopback Pseudo-Interface 1', index: 1, family: 6, servers: ['fec0:0:0:ffff::1', 'fec0:0:0:ffff::2', 'fec0:0:0:ffff::3'] },
    ])
  })

  it('reads localized aliases and keeps only the whole addresses of a cell the console cut', () => {
    const table = parseDnsClientServerAddressTable(readFixture('french-client-dns-server-address-truncated.txt'))
    expect(table).toHaveLength(16)
    expect(table).toContainEqual({ alias: 'Connexion au réseau local* 1', index: 5, family: 6, servers: ['fec0:0:0:ffff::1', 'fec0:0:0:ffff::2'] })
    expect(table).toContainEqual({ alias: 'Wi-Fi', index: 8, family: 4, servers: ['192.168.1.1'] })
    expect(table).toContainEqual({ alias: 'Wi-Fi', index: 8, family: 6, servers: ['2001:db8::1'] })
    expect(table.at(-1)).toEqual({ alias: 'Loopback Pseudo-Interface 1', index: 1, family: 6, servers: ['fec0:0:0:ffff::1', 'fec0:0:0:ffff::2'] })
  })
})

describe('parseWindowsDns', () => {
  // Constructed from the documented shape, no real output of the windowsDnsArgs() script was
  // found: Windows PowerShell 5.1 layout (two spaces after the colon, deep indentation), a BOM,
  // CRLF, the lone NRPT entry and the lone interface not wrapped in arrays, AddressFamily as the
  // number 2 and a null NrptError.
  it('reads the PowerShell 5.1 form with single objects not in arrays and a numeric AddressFamily', () => {
    const stdout = [
      '\uFEFF{',
      '    "Nrpt":  {',
      '                 "Namespace":  ".tail1234.ts.net",',
      '                 "NameServers":  [',
      '                                     "100.100.100.100"',
      '                                 ],',
      '                 "DirectAccessEnabled":  false,',
      '                 "DirectAccessDnsServers":  null,',
      '                 "DnsSecValidationRequired":  false',
      '             },',
      '    "NrptError":  null,',
      '    "Interfaces":  {',
      '                       "InterfaceAlias":  "Tailscale",',
      '                       "InterfaceIndex":  12,',
      '                       "AddressFamily":  2,',
      '                       "ServerAddresses":  [',
      '                                               "100.100.100.100"',
      '                                           ],',
      '                       "InterfaceMetric":  5,',
      '                       "Connected":  true',
      '                   },',
      '    "InterfaceError":  null',
      '}',
      '',
    ].join('\r\n')
    expect(parseWindowsDns(stdout)).toEqual({
      nrpt: [{ namespace: '.tail1234.ts.net', nameServers: ['100.100.100.100'], dnsSecEnabled: false, directAccess: false }],
      interfaces: [{ alias: 'Tailscale', index: 12, family: 4, servers: ['100.100.100.100'], metric: 5 }],
    })
  })

  // Constructed: arrays, the {"value": [...], "Count": n} wrapping Windows PowerShell 5.1 gives
  // some arrays, AddressFamily 23, a disconnected adapter and a failed NRPT read.
  it('reads arrays, unwraps value/Count, maps 23 to IPv6, drops disconnected interfaces and keeps the NRPT error', () => {
    const stdout = JSON.stringify({
      Nrpt: [],
      NrptError: 'Get-DnsClientNrptPolicy : Windows System Error 9572',
      Interfaces: {
        value: [
          { InterfaceAlias: 'Wi-Fi', InterfaceIndex: 8, AddressFamily: 23, ServerAddresses: ['2001:db8::1'], InterfaceMetric: 35, Connected: true },
          { InterfaceAlias: 'Ethernet', InterfaceIndex: 4, AddressFamily: 2, ServerAddresses: ['10.0.0.2'], InterfaceMetric: 25, Connected: false },
          { InterfaceAlias: 'Firezone', InterfaceIndex: 27, AddressFamily: 2, ServerAddresses: null, InterfaceMetric: null, Connected: null },
        ],
        Count: 3,
      },
      InterfaceError: null,
    })
    expect(parseWindowsDns(stdout)).toEqual({
      nrpt: [],
      nrptError: 'Get-DnsClientNrptPolicy : Windows System Error 9572',
      interfaces: [
        { alias: 'Wi-Fi', index: 8, family: 6, servers: ['2001:db8::1'], metric: 35 },
        { alias: 'Firezone', index: 27, family: 4, servers: [] },
      ],
    })
  })

  // Constructed: what `Get-DnsClientServerAddress -InterfaceAlias Ethernet -AddressFamily IPv4 |
  // ConvertTo-Json` prints in 5.1, one CIM object with its CimClass, CimInstanceProperties and
  // CimSystemProperties (whose own Namespace must not make it an NRPT entry).
  it('reads a bare CIM object dump with its extra properties', () => {
    const stdout = JSON.stringify({
      InterfaceAlias: 'Ethernet',
      InterfaceIndex: 4,
      AddressFamily: 2,
      ServerAddresses: ['10.255.252.2'],
      PSComputerName: null,
      ElementName: null,
      CimClass: 'ROOT/StandardCimv2:MSFT_DNSClientServerAddress',
      CimInstanceProperties: ['Caption', 'Description', 'ElementName', 'InstanceID', 'AddressFamily', 'ServerAddresses'],
      CimSystemProperties: { Namespace: 'ROOT/StandardCimv2', ServerName: 'EC2AMAZ-AK0PAFH', ClassName: 'MSFT_DNSClientServerAddress', Path: null },
    })
    expect(parseWindowsDns(stdout)).toEqual({ nrpt: [], interfaces: [{ alias: 'Ethernet', index: 4, family: 4, servers: ['10.255.252.2'] }] })
  })

  it('never throws on output that is not the JSON document', () => {
    const empty = { nrpt: [], interfaces: [] }
    expect(parseWindowsDns('')).toEqual(empty)
    expect(parseWindowsDns('{"Nrpt": [')).toEqual(empty)
    expect(parseWindowsDns('null')).toEqual(empty)
    expect(parseWindowsDns('42')).toEqual(empty)
    expect(parseWindowsDns(readFixture('ms-docs-nrpt-policy-directaccess.txt'))).toEqual(empty)
  })
})

describe('chooseWindowsResolver', () => {
  const tailscale: InterfaceDns = { alias: 'Tailscale', index: 12, family: 4, servers: ['100.100.100.100'], metric: 5 }
  const wifi: InterfaceDns = { alias: 'Wi-Fi', index: 8, family: 4, servers: ['192.168.1.1'], metric: 35 }
  const rule = (namespace: string, ...nameServers: string[]): NrptRule => ({ namespace, nameServers })
  // The two Microsoft tables in name-resolution-policy-table.md, ProtonVPN's catch-all with
  // Tailscale's split-DNS rule (tailscale/tailscale#20637), and a prefix rule.
  const nrpt: NrptRule[] = [
    rule('.contoso.com', '10.0.0.1'),
    rule('www.contoso.com', '10.10.10.10'),
    rule('.secure.contoso.com', '10.0.0.2'),
    rule('.', '10.2.0.1'),
    rule('.internal.example.com', '100.100.100.100'),
    rule('server1', '10.0.0.9'),
  ]
  const config: WindowsDnsConfig = { nrpt, interfaces: [wifi, tailscale] }

  it.each([
    ['an FQDN rule over the suffix rule of its domain', 'www.contoso.com', '10.10.10.10', 'www.contoso.com', /NRPT FQDN rule "www.contoso.com" matches/],
    ['the suffix rule for another name in the domain', 'finance.contoso.com', '10.0.0.1', '.contoso.com', /suffix rule "\.contoso\.com"/],
    ['the child namespace over its parent', 'www.corp.secure.contoso.com', '10.0.0.2', '.secure.contoso.com', /suffix rule/],
    ['the parent for a name outside the child', 'www.corp.contoso.com', '10.0.0.1', '.contoso.com', /suffix rule/],
    ['a split-DNS suffix over the catch-all', 'db.internal.example.com', '100.100.100.100', '.internal.example.com', /suffix rule/],
    ['the catch-all for any other name', 'example.org', '10.2.0.1', '.', /NRPT any rule "\." matches example\.org/],
    ['the catch-all for the bare domain, which does not end in ".contoso.com"', 'contoso.com', '10.2.0.1', '.', /any rule/],
    ['a prefix rule for the host label under any domain', 'server1.nwtraders.com', '10.0.0.9', 'server1', /prefix rule "server1"/],
    ['case and a trailing dot ignored', 'WWW.Contoso.COM.', '10.10.10.10', 'www.contoso.com', /FQDN rule/],
  ])('picks %s', (_label, host, server, namespace, why) => {
    const choice = chooseWindowsResolver(config, host)
    expect(choice.servers).toEqual([server])
    expect(choice.rule?.namespace).toBe(namespace)
    expect(choice.interface).toBeUndefined()
    expect(choice.why).toMatch(why)
  })

  it.each([
    ['sorted by metric when no rule matches', [wifi, tailscale], ['100.100.100.100', '192.168.1.1'], 'Tailscale', /no NRPT rule matches api\.example\.net, so api\.example\.net goes to the DNS servers of the preferred interface Tailscale \(metric 5\), 100\.100\.100\.100, then/],
    ['in the cmdlet order when metrics are unknown', [{ ...wifi, metric: undefined }, { ...tailscale, metric: undefined }], ['192.168.1.1', '100.100.100.100'], 'Wi-Fi', /Wi-Fi \(metric unknown\)/],
    ['an interface with no metric after one with a metric', [{ ...wifi, metric: undefined }, tailscale], ['100.100.100.100', '192.168.1.1'], 'Tailscale', /Tailscale \(metric 5\)/],
  ])('orders the interfaces %s', (_label, interfaces, servers, alias, why) => {
    const choice = chooseWindowsResolver({ nrpt: [rule('.contoso.com', '10.0.0.1')], interfaces }, 'api.example.net')
    expect(choice.servers).toEqual(servers)
    expect(choice.interface?.alias).toBe(alias)
    expect(choice.rule).toBeUndefined()
    expect(choice.why).toMatch(why)
  })

  it('falls through an exemption (a matching rule without servers) to the interfaces', () => {
    const rules = parseNrptList(readFixture('ms-docs-nrpt-rule-directaccess-gpo.txt'))
    const choice = chooseWindowsResolver({ nrpt: rules, interfaces: [wifi] }, 'nls.corp.contoso.com')
    expect(choice.servers).toEqual(['192.168.1.1'])
    expect(choice.rule?.source).toBe('DA-{274D94E4-E38B-4997-BA9F-84700712C09E}')
    expect(choice.interface?.alias).toBe('Wi-Fi')
    expect(choice.why).toMatch(/FQDN rule "nls\.corp\.contoso\.com" \(DA-\{274D94E4-E38B-4997-BA9F-84700712C09E\}\) matches nls\.corp\.contoso\.com but names no DNS server \(an exemption\)/)
  })

  it('sends names under a DirectAccess rule to its DirectAccess servers', () => {
    const rules = parseNrptList(readFixture('ms-docs-nrpt-rule-directaccess-gpo.txt'))
    const choice = chooseWindowsResolver({ nrpt: rules, interfaces: [wifi] }, 'app.corp.contoso.com')
    expect(choice.servers).toEqual(DA_SERVERS)
    expect(choice.rule?.namespace).toBe('.corp.contoso.com')
    expect(choice.why).toMatch(/DirectAccess rule: while DirectAccess is connected/)
  })

  it('treats a DNSSEC-only policy entry as an exemption for the servers', () => {
    const rules = parseNrptList(readFixture('ms-docs-nrpt-policy-dnssec-effective.txt'))
    const choice = chooseWindowsResolver({ nrpt: rules, interfaces: [wifi] }, 'www.secure.contoso.com')
    expect(choice.rule?.namespace).toBe('.secure.contoso.com')
    expect(choice.servers).toEqual(['192.168.1.1'])
  })

  it('uses the FQDN rule NetBird wrote only for that exact name', () => {
    const rules = parseNrptList(readFixture('netbird-nrpt-rule.txt'))
    expect(chooseWindowsResolver({ nrpt: rules, interfaces: [wifi] }, 'npu.local').servers).toEqual(['100.7x.255.254'])
    expect(chooseWindowsResolver({ nrpt: rules, interfaces: [wifi] }, 'git.npu.local').servers).toEqual(['192.168.1.1'])
  })

  it('skips the loopback interface and the fec0:0:0:ffff:: placeholders of unconfigured IPv6', () => {
    const interfaces = parseDnsClientServerAddressTable(readFixture('french-client-dns-server-address-truncated.txt'))
    const choice = chooseWindowsResolver({ nrpt: [], interfaces }, 'api.example.net')
    expect(choice.servers).toEqual(['192.168.1.1', '2001:db8::1'])
    expect(choice.interface).toEqual({ alias: 'Wi-Fi', index: 8, family: 4, servers: ['192.168.1.1'] })
  })

  it('keeps the order of a table without metrics, VPN adapter first as listed', () => {
    const interfaces = parseDnsClientServerAddressTable(readFixture('firezone-server2019-dns-server-address.txt'))
    const choice = chooseWindowsResolver({ nrpt: [], interfaces }, 'api.example.net')
    expect(choice.servers).toEqual(['100.100.111.4', '100.100.111.1', '100.100.111.3', '100.100.111.2', '10.255.252.2'])
    expect(choice.interface?.alias).toBe('Firezone')
  })

  it('says when the NRPT could not be read', () => {
    const choice = chooseWindowsResolver({ nrpt: [], interfaces: [wifi], nrptError: 'Windows System Error 9572' }, 'api.example.net')
    expect(choice.servers).toEqual(['192.168.1.1'])
    expect(choice.why).toMatch(/the NRPT could not be read: Windows System Error 9572; a rule may have been missed/)
  })

  it('returns no servers when no interface has one', () => {
    const choice = chooseWindowsResolver({ nrpt: [], interfaces: [{ alias: 'Ethernet', family: 6, servers: ['fec0:0:0:ffff::1'] }] }, 'api.example.net')
    expect(choice).toEqual({ servers: [], why: 'no NRPT rule matches api.example.net, so the interfaces decide, but no interface has a DNS server' })
  })

  it('makes no lookup for an IP address', () => {
    expect(chooseWindowsResolver(config, '10.0.12.34')).toEqual({ servers: [], why: '10.0.12.34 is an IP address, so no DNS query is made' })
  })

  it('matches namespaces case-insensitively and keeps the first of two equal rules', () => {
    const choice = chooseWindowsResolver({ nrpt: [rule('.CORP.example.com', '10.1.0.1'), rule('.corp.example.com', '10.1.0.2')], interfaces: [] }, 'git.corp.example.com')
    expect(choice.servers).toEqual(['10.1.0.1'])
  })
})
