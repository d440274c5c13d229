import { describe, expect, it } from 'vitest'
import type { ResolverInUse } from '../../../../src/probes/dns/resolver-config.js'
import { resolverConfigProbe } from '../../../../src/probes/dns/resolver-config.js'
import { resolversProbe } from '../../../../src/probes/dns/resolvers.js'
import { clusterInfo, fakeEnv, readCapture, readFixture, runProbe, tailscaleState, type ScriptedCall } from '../../../helpers/fake-env.js'

const DUBLIN = { host: '0a1b2c3d4e5f60718293a4b5c6d7e8f9.gr7.eu-west-1.eks.amazonaws.com', region: 'eu-west-1', cluster: 'ledger-prod', enis: ['10.20.1.87', '10.20.2.143'] }
const SEOUL = { host: '5f3c9a1e2b7d4c60a1b2c3d4e5f60718.sk1.ap-northeast-2.eks.amazonaws.com', region: 'ap-northeast-2', cluster: 'inventory_stage-2', enis: ['192.168.70.9', '192.168.85.200'] }
const describeData = (w: typeof DUBLIN) => ({ 'cluster.describe': clusterInfo({ name: w.cluster, endpoint: `https://${w.host.toUpperCase()}` }) })

describe('dns.resolver-config: which resolver the system sends the name to', () => {
  it.each([DUBLIN, SEOUL])('Linux with the systemd-resolved stub: the DefaultRoute link, since no routing domain covers $region', async (w) => {
    const env = fakeEnv({
      which: { resolvectl: '/usr/bin/resolvectl' },
      files: { '/etc/resolv.conf': readFixture('resolvectl/ubuntu24.04-systemd255-stub-resolv.conf.txt') },
      exec: [{ file: '/usr/bin/resolvectl', args: ['status'], stdout: readFixture('resolvectl/ubuntu24.04-systemd255-tailscale.txt') }],
    })
    const outcome = await runProbe(resolverConfigProbe, { env, target: { cluster: w.cluster, region: w.region }, data: describeData(w) })
    expect(outcome).toMatchObject({ status: 'pass' })
    expect(outcome.data).toMatchObject({ servers: ['10.6.0.2', '10.6.0.3'], via: 'systemd-resolved', iface: 'enp130s0' })
    expect(outcome.detail).toContain(`${w.host} goes to 10.6.0.2, 10.6.0.3 on enp130s0`)
  })

  it('macOS: the VPN\'s supplemental resolver with the lowest order answers names no domain claims', async () => {
    const env = fakeEnv({ platform: 'darwin', exec: [{ file: '/usr/sbin/scutil', args: ['--dns'], stdout: readFixture('scutil-dns/vpn-utun3-supplemental-default.txt') }] })
    const outcome = await runProbe(resolverConfigProbe, { env, target: { cluster: DUBLIN.cluster, region: DUBLIN.region }, data: describeData(DUBLIN) })
    expect(outcome.data).toMatchObject({ servers: ['10.2.0.1'], via: 'scutil', iface: 'utun3' })
  })

  it('Windows: the interface servers when no NRPT rule covers the name', async () => {
    const json = JSON.stringify({ Nrpt: [{ Namespace: '.corp.example.com', NameServers: ['10.9.0.53'] }], NrptError: null, Interfaces: { InterfaceAlias: 'Ethernet', InterfaceIndex: 7, AddressFamily: 2, ServerAddresses: ['192.168.1.1'], InterfaceMetric: 25, Connected: true }, InterfaceError: null })
    const env = fakeEnv({ platform: 'win32', exec: [{ file: 'powershell', args: (await import('../../../../src/platform/parsers/dns-windows.js')).windowsDnsArgs(), stdout: json }] })
    const outcome = await runProbe(resolverConfigProbe, { env, target: { cluster: SEOUL.cluster, region: SEOUL.region }, data: describeData(SEOUL) })
    expect(outcome.data).toMatchObject({ servers: ['192.168.1.1'], via: 'windows-interfaces', iface: 'Ethernet' })
  })

  it('warns when Tailscale runs with accept-DNS off while the tailnet routes the region\'s domain to a resolver', async () => {
    const env = fakeEnv({
      files: { '/etc/resolv.conf': 'nameserver 192.168.1.1\n' },
      exec: [{ file: '/usr/bin/tailscale', args: ['dns', 'status'], stdout: readFixture('tailscale-dns/constructed-from-source-all-split-dns.txt') }],
    })
    const tailscale = { ...tailscaleState({ backendState: 'Running' }), path: '/usr/bin/tailscale', prefs: { corpDNS: false, advertiseRoutes: [] } }
    const outcome = await runProbe(resolverConfigProbe, { env, target: { cluster: DUBLIN.cluster, region: DUBLIN.region }, data: { ...describeData(DUBLIN), 'routing.tailscale': tailscale } })
    expect(outcome).toMatchObject({ status: 'warn', code: 'TAILSCALE_DNS_OFF' })
    expect(outcome.detail).toContain('the tailnet sends eu-west-1.eks.amazonaws.com to 10.20.0.2, but this node does not accept Tailscale DNS')
    expect(outcome.fixes?.[0]?.commands).toEqual(['sudo tailscale set --accept-dns=true'])
    expect((outcome.data as ResolverInUse).tailscale).toMatchObject({ acceptDns: false, route: { domain: 'eu-west-1.eks.amazonaws.com', resolvers: ['10.20.0.2'] } })
  })
})

describe('dns.resolvers with the resolver configuration', () => {
  const DIG = (name: string) => readCapture(`dig/debian12-bind-9.18.49/${name}.json`)
  const digFor = (server: string, host: string, a: { stdout: string; exitCode: number }, aaaa = DIG('aaaa-nodata')): ScriptedCall[] => {
    const base = ['+short', '+time=2', '+tries=1', `@${server}`, host]
    return [
      { file: 'dig', args: [...base, 'A'], stdout: a.stdout, exitCode: a.exitCode },
      { file: 'dig', args: [...base, 'AAAA'], stdout: aaaa.stdout, exitCode: aaaa.exitCode },
    ]
  }
  const failedDns = { id: 'dns.system', layer: 'dns', status: 'fail', title: 'System resolver', detail: 'no answer', evidence: {}, durationMs: 1 } as const

  it.each([DUBLIN, SEOUL])('$region: the resolver in use does not answer: that is the broken link, refining dns.system', async (w) => {
    const env = fakeEnv({ which: { dig: '/usr/bin/dig' }, exec: digFor('100.100.100.100', w.host, DIG('a-no-reply'), DIG('a-no-reply')) })
    const inUse: ResolverInUse = { servers: ['100.100.100.100'], via: 'systemd-resolved', why: 'tailscale0 takes every query (~.)', iface: 'tailscale0' }
    const outcome = await runProbe(resolversProbe, {
      env,
      target: { cluster: w.cluster, region: w.region },
      data: { ...describeData(w), 'dns.resolver-config': inUse, 'dns.system': { host: w.host, port: 443, ips: w.enis, isIpLiteral: false, answered: [] } },
      results: { 'dns.system': failedDns },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'DNS_RESOLVER_UNREACHABLE', category: 'dns', refines: 'dns.system' })
    expect(outcome.detail).toBe(`the resolver the system uses for ${w.host}, 100.100.100.100 (tailscale0 takes every query (~.)), does not answer`)
    expect(outcome.fixes?.[0]?.commands).toContain('sudo systemctl restart tailscaled')
  })

  it('the resolver in use has no answer while the tailnet\'s split DNS resolver answers the ENIs: send the domain there', async () => {
    const w = DUBLIN
    const enisAnswer = { stdout: `${w.enis.join('\n')}\n`, exitCode: 0 }
    const env = fakeEnv({ which: { dig: '/usr/bin/dig' }, exec: [...digFor('192.168.1.1', w.host, DIG('a-nxdomain')), ...digFor('10.20.0.2', w.host, enisAnswer)] })
    const inUse: ResolverInUse = { servers: ['192.168.1.1'], via: 'resolv.conf', why: 'resolv.conf sends every query to 192.168.1.1', tailscale: { acceptDns: false, route: { domain: 'eu-west-1.eks.amazonaws.com', resolvers: ['10.20.0.2'] } } }
    const outcome = await runProbe(resolversProbe, {
      env,
      target: { cluster: w.cluster, region: w.region },
      data: { ...describeData(w), 'dns.resolver-config': inUse, 'cluster.endpoint-enis': { enis: [], ips: w.enis }, 'dns.system': { host: w.host, port: 443, ips: w.enis, isIpLiteral: false, answered: [] } },
      results: { 'dns.system': failedDns },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'DNS_NO_ANSWER', refines: 'dns.system' })
    expect(outcome.detail).toBe(`192.168.1.1 (in use for ${w.host}) has no answer, while 10.20.0.2 (tailnet split DNS for eu-west-1.eks.amazonaws.com) answers ${w.enis.join(', ')}: eu-west-1.eks.amazonaws.com should go to 10.20.0.2`)
    expect(outcome.fixes?.[0]?.commands).toEqual(['sudo tailscale set --accept-dns=true'])
  })
})
