/**
 * network.tcp-connect — a TCP connection to port 443 of every endpoint IP, all at once,
 * each bounded by --connect-timeout (a dropped SYN otherwise waits for the OS's 75-130 s).
 * Evidence: per IP connected / refused / timeout / unreachable, the local address, the time.
 * Fix: until AWS is read, the most likely cause with its alternatives and what would settle it.
 */
import { defineProbe, type Alternative, type Category, type FailureCode, type ProbeContext } from '../../engine/types.js'
import { buildSettleWithAwsFix, TIMEOUT_ALTERNATIVES } from '../../fixes/network.js'
import { classifyAddress, ipFamily } from '../../platform/cidr.js'
import type { ConnectResult } from '../../platform/env.js'
import { showIp } from '../dns/system.js'
import { listIps } from '../shared.js'
import { routeReachesEndpoint } from '../routing/local-route.js'

export interface TcpResult extends ConnectResult {
  ip: string
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'network.tcp-connect': TcpResult[]
  }
}

function judge(ctx: ProbeContext<never, 'routing.local-route'>, failed: TcpResult[], all: TcpResult[]): { category: Category; confirmed: boolean; alternatives: Alternative[]; why: string } {
  const codes = new Set(failed.map((f) => f.code))
  const routes = ctx.get('routing.local-route') ?? []
  const viaVpn = failed.every((f) => routes.find((r) => r.ip === f.ip)?.kind === 'vpn')
  if (codes.has('TCP_UNREACHABLE')) {
    return { category: 'routing', confirmed: true, alternatives: [], why: 'the network says the host is unreachable' }
  }
  if (codes.has('TCP_REFUSED') && codes.size === 1) {
    return {
      category: 'routing',
      confirmed: false,
      alternatives: [{ category: 'dns', summary: 'the address is not the API server: a stale DNS answer or a wrong endpoint in the kubeconfig' }],
      why: 'something at that address actively refuses the connection: no API server listens there',
    }
  }
  if (failed.every((f) => classifyAddress(f.ip) === 'public')) {
    return {
      category: 'dns',
      confirmed: false,
      alternatives: [{ category: 'security-group', summary: 'the public endpoint is on but publicAccessCidrs does not include your public IP' }],
      why: 'the public addresses the name resolved to do not answer: for a private-only cluster the name should resolve to its private IPs',
    }
  }
  if (failed.length < all.length) {
    // Every endpoint ENI carries the same cluster security group: one bad subnet points at its route table or NACL.
    return {
      category: 'routing',
      confirmed: false,
      alternatives: [{ category: 'security-group', summary: 'a NACL on that endpoint subnet drops the traffic' }],
      why: 'the other endpoint IPs answer, so the difference is in that subnet: its route table or NACL',
    }
  }
  return {
    category: viaVpn ? 'security-group' : 'routing',
    confirmed: false,
    alternatives: viaVpn ? TIMEOUT_ALTERNATIVES : [{ category: 'security-group', summary: 'the cluster security group has no 443 rule for the source' }],
    why: viaVpn
      ? 'the route enters the VPN, so the SYN is dropped on the AWS side: most often the cluster security group lacks a 443 rule for the VPN CIDR (reading the AWS side, with ec2:Describe* permissions, settles it)'
      : 'the SYN gets no answer',
  }
}

const SUSPICIOUS_AFTER_MS = 1000

export const tcpConnectProbe = defineProbe({
  id: 'network.tcp-connect',
  layer: 'network',
  title: 'TCP connection to each endpoint IP',
  needs: ['dns.system'],
  uses: ['routing.local-route', 'routing.vpn-peer'],
  reads: ['routing.wireguard'],
  async run(ctx) {
    const resolved = ctx.need('dns.system')
    // A SYN still unanswered after the first retransmit (1 s) is suspicious: the AWS reads that would explain it start now.
    const suspicious = setTimeout(() => ctx.release(), Math.min(SUSPICIOUS_AFTER_MS, ctx.options.connectTimeoutMs / 2))
    const results: TcpResult[] = await Promise.all(
      resolved.ips.map(async (ip) => ({ ip, ...(await ctx.env.net.connect(ip, resolved.port, { timeoutMs: ctx.options.connectTimeoutMs, signal: ctx.signal })) })),
    ).finally(() => clearTimeout(suspicious))
    const evidence = {
      port: resolved.port,
      timeoutMs: ctx.options.connectTimeoutMs,
      connections: results.map((r) => ({
        ip: showIp(r.ip),
        result: r.ok ? 'connected' : (r.code ?? 'failed'),
        ms: r.ms,
        localAddress: r.localAddress ?? null,
        error: r.message ?? null,
      })),
    }
    const failed = results.filter((r) => !r.ok)
    if (failed.length === 0) {
      return {
        status: 'pass',
        detail: `connected to ${results.map((r) => `${r.ip}:${resolved.port} in ${r.ms} ms`).join(', ')}`,
        evidence,
        data: results,
      }
    }
    // Dual-stack: Go's dialer tries IPv6 first and falls back to IPv4 after 300 ms, so kubectl works
    // while only the IPv6 path is broken. That is worth fixing, not a broken link.
    const v4 = results.filter((r) => r.ok && ipFamily(r.ip) === 4)
    if (v4.length > 0 && failed.every((f) => ipFamily(f.ip) === 6)) {
      return {
        status: 'warn',
        code: 'IPV6_PATH_BROKEN',
        detail: `IPv6 to ${listIps(failed.map((f) => f.ip))} ${failed[0]?.code === 'TCP_TIMEOUT' ? `times out after ${ctx.options.connectTimeoutMs} ms` : `fails (${failed[0]?.code ?? 'failed'})`}, while IPv4 to ${listIps(v4.map((r) => r.ip))} connects: kubectl dials IPv6 first and falls back to IPv4 ${failed.some((f) => f.code === 'TCP_TIMEOUT') ? 'after 300 ms' : 'at once'}; the checks go on with IPv4`,
        evidence,
        data: results,
      }
    }
    const verdict = judge(ctx, failed, results)
    const words: Partial<Record<FailureCode, string>> = {
      TCP_TIMEOUT: `times out after ${ctx.options.connectTimeoutMs} ms`,
      TCP_REFUSED: 'is refused',
      TCP_UNREACHABLE: 'is unreachable',
      TCP_RESET: 'is reset',
    }
    const parts = failed.map((f) => `TCP to ${f.ip}:${resolved.port} ${words[f.code ?? 'TCP_TIMEOUT'] ?? 'fails'}`)
    const partial = failed.length < results.length
    const headline = partial ? `intermittent: ${parts.join('; ')}` : parts.join('; ')
    const summary = partial
      ? `intermittent: ${parts.join('; ')}, while ${listIps(results.filter((r) => r.ok).map((r) => r.ip))} answers (${failed.length} of ${results.length} endpoint IPs; kubectl fails whenever it picks ${failed.length > 1 ? 'those' : 'that one'}): ${verdict.why}`
      : `${parts.join('; ')}: ${verdict.why}`
    // A connection that never had a route through the VPN fails because of the route, not on its own.
    const routes = ctx.get('routing.local-route') ?? []
    const unrouted = ctx.result('routing.local-route')?.status === 'fail' && failed.every((f) => routes.some((r) => r.ip === f.ip && !routeReachesEndpoint(r)))
    // A WireGuard tunnel found down carries nothing: the connection through it fails because of it.
    const tunnelDown = ctx.result('routing.wireguard')?.code === 'WG_HANDSHAKE_STALE'
    const explainedBy = unrouted ? ('routing.local-route' as const) : tunnelDown ? ('routing.wireguard' as const) : undefined
    return {
      status: 'fail',
      code: partial ? 'TCP_PARTIAL' : (failed[0]?.code ?? 'TCP_TIMEOUT'),
      ...(explainedBy ? { explainedBy } : {}),
      headline,
      category: verdict.category,
      confirmed: verdict.confirmed,
      alternatives: verdict.alternatives,
      detail: summary,
      evidence,
      data: results,
      fixes: failed.some((f) => f.code === 'TCP_TIMEOUT') ? [buildSettleWithAwsFix(ctx.target.cluster, ctx.target.region, ctx.target.profile)] : [],
    }
  },
})
