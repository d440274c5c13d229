/**
 * Dual-stack clusters (IPv6 clusters created since October 2024 answer at <id>.<cell>.<region>.api.aws
 * with A and AAAA records): the endpoint's IPv6 addresses are globally unique, so they are the
 * cluster's only by AWS's word, and a broken IPv6 path costs kubectl only its fallback to IPv4.
 */
import { describe, expect, it } from 'vitest'
import { systemResolverProbe } from '../../../src/probes/dns/system.js'
import { tcpConnectProbe } from '../../../src/probes/network/tcp-connect.js'
import { localRouteProbe } from '../../../src/probes/routing/local-route.js'
import { handshakeProbe } from '../../../src/probes/tls/handshake.js'
import { endpointDomainOf, isEksEndpointHost } from '../../../src/fixes/dns.js'
import { buildNoProxyFix } from '../../../src/fixes/proxy.js'
import { isSensitive } from '../../../src/engine/sensitive.js'
import { clusterInfo, fakeEnv, runProbe } from '../../helpers/fake-env.js'

const WORLDS = [
  { cluster: 'ledger-v6', region: 'us-west-2', host: '0f1e2d3c4b5a69788796a5b4c3d2e1f0.gr7.us-west-2.api.aws', v4: ['10.40.1.21', '10.40.2.34'], v6: ['2600:1f14:8c3:e201::1a2b', '2600:1f14:8c3:e202::3c4d'], v6Cidr: '2600:1f14:8c3:e200::/56' },
  { cluster: 'orders', region: 'cn-north-1', host: '5f3c9a1e2b7d4c60a1b2c3d4e5f60718.sk1.cn-north-1.api.amazonwebservices.com.cn', v4: ['192.168.70.9'], v6: ['2406:da12:1a:7300::99'], v6Cidr: '2406:da12:1a:7300::/56' },
]

describe.each(WORLDS)('a dual-stack endpoint of $cluster in $region', (w) => {
  const endpoint = `https://${w.host}`
  /** dns.system when the name resolves to `answers`, with the endpoint ENIs and the VPC's blocks from AWS. */
  const resolveTo = (answers: string[]) =>
    runProbe(systemResolverProbe, {
      env: fakeEnv({ dns: { lookup: { [w.host]: answers } } }),
      target: { cluster: w.cluster, region: w.region },
      data: {
        'cluster.describe': clusterInfo({ name: w.cluster, endpoint }),
        'cluster.endpoint-enis': { enis: [], ips: [...w.v4, ...w.v6] },
        'cluster.vpc': { vpcId: 'vpc-0e91551d9b13f461b', cidrs: ['10.40.0.0/16'], ipv6Cidrs: [w.v6Cidr] },
      },
      allowLeftover: true,
    })

  it('knows the endpoint domain and treats the host as an EKS endpoint', () => {
    expect(endpointDomainOf(w.host, w.region)).toBe(w.host.slice(w.host.indexOf(`${w.region}.`)))
    expect(isEksEndpointHost(w.host)).toBe(true)
    // Under api.aws live AWS's own dual-stack APIs too: NO_PROXY gets the host, not the suffix.
    expect(buildNoProxyFix(w.host, 'http://proxy.corp:3128', false).commands[0]).toBe(`export NO_PROXY="\${NO_PROXY:+$NO_PROXY,}${w.host}"`)
  })

  it('classifies the AAAA answers that are the endpoint ENIs as the endpoint, not as public answers of a private-only cluster', async () => {
    const outcome = await resolveTo([...w.v6, ...w.v4])
    expect(outcome.status).toBe('pass')
    // Globally unique addresses are marked for --redact; the private IPv4 ones are not.
    const answers = (outcome.evidence?.answers as { ip: unknown; class: string }[]).map((a) => ({ ip: isSensitive(a.ip) ? a.ip.raw : a.ip, class: a.class, marked: isSensitive(a.ip) }))
    expect(answers).toEqual([...w.v6.map((ip) => ({ ip, class: 'endpoint-eni', marked: true })), ...w.v4.map((ip) => ({ ip, class: 'endpoint-eni', marked: false }))])
  })

  it('an IPv6 address in the VPC\'s IPv6 block that is no endpoint ENI is a stale answer, not a public one', async () => {
    const stale = w.v6[0]!.replace(/[0-9a-f]+$/, 'dead')
    const outcome = await resolveTo([stale])
    expect(outcome).toMatchObject({ status: 'fail', code: 'DNS_STALE_ANSWER' })
  })

  it('no IPv6 route into the VPN while IPv4 takes it: a warning, kubectl falls back at once', async () => {
    const routeGet = (ip: string, dev: string) => ({ file: 'ip', args: ['-j', 'route', 'get', ip], stdout: JSON.stringify([{ dst: ip, dev, prefsrc: '100.101.102.103', flags: [], uid: 1000, cache: [] }]) })
    const env = fakeEnv({
      which: { ip: '/usr/sbin/ip' },
      exec: [
        ...w.v4.map((ip) => routeGet(ip, 'tailscale0')),
        ...w.v6.map((ip) => ({ file: 'ip', args: ['-j', 'route', 'get', ip], exitCode: 2, stderr: 'RTNETLINK answers: Network is unreachable\n' })),
      ],
    })
    const outcome = await runProbe(localRouteProbe, { env, data: { 'dns.system': { host: w.host, port: 443, ips: [...w.v6, ...w.v4], isIpLiteral: false } } })
    expect(outcome).toMatchObject({ status: 'warn', code: 'IPV6_PATH_BROKEN' })
    expect(outcome.detail).toContain(`no IPv6 route into the VPN for ${w.v6.join(', ')}`)
    expect(outcome.detail).toContain('IPv4 takes the VPN, and kubectl falls back to it')
  })

  it('IPv6 connections that time out while IPv4 connects: a warning; TLS goes on with the IPv4 addresses only', async () => {
    const net = Object.fromEntries([...w.v4.map((ip) => [`${ip}:443`, 'ok' as const]), ...w.v6.map((ip) => [`${ip}:443`, 'TCP_TIMEOUT' as const])])
    const env = fakeEnv({ net })
    const resolved = { host: w.host, port: 443, ips: [...w.v6, ...w.v4], isIpLiteral: false }
    const tcp = await runProbe(tcpConnectProbe, { env, data: { 'dns.system': resolved } })
    expect(tcp).toMatchObject({ status: 'warn', code: 'IPV6_PATH_BROKEN' })
    expect(tcp.detail).toBe(`IPv6 to ${w.v6.join(', ')} times out after 2000 ms, while IPv4 to ${w.v4.join(', ')} connects: kubectl dials IPv6 first and falls back to IPv4 after 300 ms; the checks go on with IPv4`)

    const tlsEnv = fakeEnv({ tls: { handshakes: Object.fromEntries(w.v4.map((ip) => [`${ip}:443`, { ok: true, verified: true, protocol: 'TLSv1.3', chain: [] }])) } })
    await runProbe(handshakeProbe, { env: tlsEnv, target: { caPem: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n', caSource: 'kubeconfig' }, data: { 'dns.system': resolved, 'network.tcp-connect': tcp.data } })
    expect([...new Set(tlsEnv.record.handshakes.map((h) => h.ip))]).toEqual(w.v4)
  })
})
