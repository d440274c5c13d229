import { describe, expect, it } from 'vitest'
import { tcpConnectProbe, type TcpResult } from '../../../../src/probes/network/tcp-connect.js'
import type { ResolvedEndpoint } from '../../../../src/probes/dns/system.js'
import type { RouteVerdict } from '../../../../src/probes/routing/local-route.js'
import { fakeEnv, runProbe, type NetAnswer } from '../../../helpers/fake-env.js'

const HOST = '0a1b2c3d4e5f60718293a4b5c6d7e8f9.gr7.ap-northeast-2.eks.amazonaws.com'
const resolved = (ips: string[], port = 443): ResolvedEndpoint => ({ host: HOST, port, ips, isIpLiteral: false })

function routes(kind: RouteVerdict['kind'], ips: string[], iface = kind === 'vpn' ? 'tailscale0' : 'eth0'): RouteVerdict[] {
  return ips.map((ip) => ({ ip, kind, lookup: { destination: ip, ok: true, interface: iface } }))
}

async function run(o: {
  ips: string[]
  answers: Record<string, NetAnswer>
  port?: number
  routes?: RouteVerdict[]
  target?: { cluster?: string; region?: string }
  connectTimeoutMs?: number
}) {
  const port = o.port ?? 443
  const env = fakeEnv({ net: Object.fromEntries(Object.entries(o.answers).map(([ip, a]) => [`${ip}:${port}`, a])) })
  const outcome = await runProbe(tcpConnectProbe, {
    env,
    target: o.target,
    options: o.connectTimeoutMs ? { connectTimeoutMs: o.connectTimeoutMs } : {},
    data: { 'dns.system': resolved(o.ips, port), ...(o.routes ? { 'routing.local-route': o.routes } : {}) },
  })
  return { outcome, env }
}

describe('network.tcp-connect', () => {
  it.each([
    { ips: ['10.0.10.239', '10.0.11.17'], port: 443 },
    { ips: ['172.20.3.4'], port: 6443 },
  ])('passes when every IP connects ($ips on $port)', async ({ ips, port }) => {
    const { outcome, env } = await run({ ips, port, answers: Object.fromEntries(ips.map((ip) => [ip, { ok: true, localAddress: '100.101.102.103', ms: 14 }])) })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`connected to ${ips.map((ip) => `${ip}:${port} in 14 ms`).join(', ')}`)
    expect(outcome.evidence).toMatchObject({ port, connections: ips.map((ip) => ({ ip, result: 'connected', localAddress: '100.101.102.103' })) })
    expect((outcome.data as TcpResult[]).map((r) => r.ip)).toEqual(ips)
    // Each connect is bounded by --connect-timeout.
    expect(env.record.connects.map((c) => c.timeoutMs)).toEqual(ips.map(() => 2000))
  })

  it.each([
    { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2', ips: ['10.0.10.239', '10.0.11.17'] },
    { cluster: 'payments-prod', region: 'eu-west-1', ips: ['172.20.3.4'] },
  ])('all timing out through the VPN points at the security group, unconfirmed ($cluster)', async ({ cluster, region, ips }) => {
    const { outcome } = await run({
      ips,
      answers: Object.fromEntries(ips.map((ip) => [ip, 'TCP_TIMEOUT'])),
      routes: routes('vpn', ips),
      target: { cluster, region },
      connectTimeoutMs: 3000,
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TCP_TIMEOUT', category: 'security-group', confirmed: false })
    expect(outcome.alternatives?.length).toBeGreaterThan(0)
    expect(outcome.alternatives?.every((a) => a.category === 'routing')).toBe(true)
    for (const ip of ips) expect(outcome.detail).toContain(`TCP to ${ip}:443 times out after 3000 ms`)
    expect(outcome.detail).toContain('security group')
    expect(outcome.fixes?.[0]?.commands[0]).toContain(`--cluster ${cluster} --region ${region}`)
    expect(outcome.evidence?.connections).toEqual(ips.map((ip) => expect.objectContaining({ ip, result: 'TCP_TIMEOUT' })))
  })

  it('all timing out outside the VPN stays a routing finding', async () => {
    const ips = ['10.0.10.239']
    const { outcome } = await run({ ips, answers: { '10.0.10.239': 'TCP_TIMEOUT' }, routes: routes('default', ips) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TCP_TIMEOUT', category: 'routing', confirmed: false })
    expect(outcome.alternatives).toEqual([expect.objectContaining({ category: 'security-group' })])
  })

  it.each([
    { ok: '10.0.10.239', bad: '10.0.11.17' },
    { ok: '172.20.4.4', bad: '172.20.3.4' },
  ])('one IP of two timing out is intermittent, names $bad, and points at its subnet (routing)', async ({ ok, bad }) => {
    const ips = [ok, bad]
    const { outcome } = await run({ ips, answers: { [ok]: 'ok', [bad]: 'TCP_TIMEOUT' }, routes: routes('vpn', ips) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TCP_PARTIAL', category: 'routing', confirmed: false })
    expect(outcome.detail).toMatch(/^intermittent: /)
    expect(outcome.detail).toContain(`TCP to ${bad}:443 times out`)
    expect(outcome.detail).toContain(`while ${ok} answers`)
    expect(outcome.detail).toContain('1 of 2 endpoint IPs')
    expect(outcome.alternatives?.length).toBeGreaterThan(0)
  })

  it('refused: something else listens there, most likely not the API server', async () => {
    const { outcome } = await run({ ips: ['10.0.10.239'], answers: { '10.0.10.239': 'TCP_REFUSED' }, routes: routes('vpn', ['10.0.10.239']) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TCP_REFUSED', category: 'routing', confirmed: false })
    expect(outcome.detail).toContain('TCP to 10.0.10.239:443 is refused')
    expect(outcome.alternatives).toEqual([expect.objectContaining({ category: 'dns' })])
    // No dropped SYN, so nothing for the AWS side to settle.
    expect(outcome.fixes ?? []).toEqual([])
  })

  it('unreachable: the network says so, confirmed', async () => {
    const { outcome } = await run({
      ips: ['10.0.10.239'],
      answers: { '10.0.10.239': { ok: false, code: 'TCP_UNREACHABLE', message: 'EHOSTUNREACH connect EHOSTUNREACH 10.0.10.239:443', ms: 3 } },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TCP_UNREACHABLE', category: 'routing', confirmed: true })
    expect(outcome.detail).toContain('TCP to 10.0.10.239:443 is unreachable')
    expect(outcome.evidence?.connections).toEqual([expect.objectContaining({ error: 'EHOSTUNREACH connect EHOSTUNREACH 10.0.10.239:443' })])
  })

  it('public addresses that time out point back at DNS', async () => {
    const { outcome } = await run({ ips: ['203.0.113.10'], answers: { '203.0.113.10': 'TCP_TIMEOUT' } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TCP_TIMEOUT', category: 'dns', confirmed: false })
  })
})
