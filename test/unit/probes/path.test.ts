import { describe, expect, it } from 'vitest'
import type { CheckResult, DataId, PathRow, ProbeData, ProbeId } from '../../../src/engine/types.js'
import { tracePaths } from '../../../src/probes/path.js'

const IPS = ['10.40.1.21', '10.40.2.34']

function route(ip: string, kind: 'vpn' | 'default' | 'unreachable', iface = 'tailscale0') {
  return { ip, kind, lookup: { destination: ip, ok: kind !== 'unreachable', interface: kind === 'unreachable' ? undefined : iface } }
}

function trace(data: Partial<ProbeData>, checks: Partial<Record<ProbeId, Partial<CheckResult>>> = {}): PathRow[] {
  return tracePaths({
    data: <K extends DataId>(id: K) => data[id] as ProbeData[K] | undefined,
    check: (id) => (checks[id] ? ({ id, status: 'pass', ...checks[id] } as CheckResult) : undefined),
  })
}

const resolved = { host: 'abc.gr7.eu-west-1.eks.amazonaws.com', port: 443, ips: IPS, isIpLiteral: false }
const labels = (row: PathRow | undefined) => row?.hops.map((h) => `${h.state}:${h.label}`)

describe('tracePaths', () => {
  it('gives one row per endpoint IP with each probe\'s own judgement, not reached past the first broken hop', () => {
    const rows = trace({
      'dns.system': resolved,
      'routing.local-route': IPS.map((ip) => route(ip, 'vpn')),
      'routing.vpn-peer': IPS.map((ip) => ({ ip, peer: 'router-a', route: '10.40.0.0/16', online: true, path: 'direct' })),
      'network.tcp-connect': [
        { ip: IPS[0]!, ok: true, ms: 3 },
        { ip: IPS[1]!, ok: false, code: 'TCP_TIMEOUT', ms: 2000 },
      ],
      'tls.handshake': [{ ip: IPS[0]!, ok: true, verified: true, chain: [], ms: 5, accepted: true, largeHello: { ok: true, ms: 6 } }],
      'apiserver.readyz': [{ ip: IPS[0]!, status: 200, ok: true }],
    })
    expect(rows.map((r) => r.ip)).toEqual(IPS)
    expect(labels(rows[0])).toEqual(['ok:workstation', 'ok:tailscale0', 'ok:router-a', `ok:${IPS[0]}:443`, 'ok:TLS', 'ok:/readyz'])
    expect(labels(rows[1])).toEqual(['ok:workstation', 'ok:tailscale0', 'ok:router-a', `broken:${IPS[1]}:443`, 'not-reached:TLS', 'not-reached:/readyz'])
  })

  it('marks a private IP on the default route broken, an offline peer broken, and what was not probed unknown', () => {
    const rows = trace({
      'dns.system': resolved,
      'routing.local-route': [route(IPS[0]!, 'default', 'en0'), route(IPS[1]!, 'vpn', 'utun7')],
      'routing.vpn-peer': [{ ip: IPS[1]!, peer: 'router-b', route: '10.40.0.0/16', online: false, path: null }],
    })
    expect(labels(rows[0])).toEqual(['ok:workstation', 'broken:en0', `not-reached:${IPS[0]}:443`, 'not-reached:TLS', 'not-reached:/readyz'])
    expect(labels(rows[1])).toEqual(['ok:workstation', 'ok:utun7', 'broken:router-b (offline)', `not-reached:${IPS[1]}:443`, 'not-reached:TLS', 'not-reached:/readyz'])
    expect(labels(trace({ 'dns.system': resolved })[0])).toEqual(['ok:workstation', 'unknown:route', `unknown:${IPS[0]}:443`, 'unknown:TLS', 'unknown:/readyz'])
  })

  it('stops at DNS when the name failed, naming the code and what it resolved to', () => {
    const rows = trace({ 'dns.system': { ...resolved, ips: ['198.51.100.7'] } }, { 'dns.system': { status: 'fail', code: 'DNS_PUBLIC_ANSWER' } })
    expect(rows).toHaveLength(1)
    expect(labels(rows[0])).toEqual(['ok:workstation', 'broken:DNS DNS_PUBLIC_ANSWER → 198.51.100.7', 'not-reached:route', 'not-reached:endpoint:443', 'not-reached:TLS', 'not-reached:/readyz'])
    expect(labels(trace({}, { 'dns.system': { status: 'fail', code: 'DNS_NXDOMAIN' } })[0])?.[1]).toBe('broken:DNS DNS_NXDOMAIN')
  })

  it('draws nothing when no endpoint IP is known', () => {
    expect(trace({})).toEqual([])
  })
})
