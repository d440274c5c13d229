/** Readers of what earlier probes found, shared by the probes that build on them. */
import type { Reader } from '../engine/types.js'

/** The endpoint the checks walk to: the cluster's own when AWS says it, else the user's. */
export function endpointOf(ctx: Reader<'cluster.describe'>): URL | undefined {
  const fromAws = ctx.get('cluster.describe')?.endpoint
  const raw = fromAws ?? ctx.target.endpoint
  if (!raw) return undefined
  try {
    return new URL(raw)
  } catch {
    return undefined
  }
}

export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '')
}

export function portOf(url: URL): number {
  return Number(url.port || 443)
}

/** The CA to verify against: DescribeCluster's is the truth; the user's is what kubectl trusts. */
export function clusterCaOf(ctx: Reader<'cluster.describe'>): { pem: string; source: string } | undefined {
  const data = ctx.get('cluster.describe')?.caData
  if (data) return { pem: Buffer.from(data, 'base64').toString('utf8'), source: 'DescribeCluster certificateAuthority' }
  if (ctx.target.caPem) return { pem: ctx.target.caPem, source: ctx.target.caSource ?? 'kubeconfig' }
  return undefined
}

/** Tell the user what happened to each IP in one short phrase list. */
export function listIps(ips: string[], max = 4): string {
  return ips.length <= max ? ips.join(', ') : `${ips.slice(0, max).join(', ')} and ${ips.length - max} more`
}

/**
 * A request with a token that got no answer, on a path the TLS check found dropping large packets
 * toward the server: that is the same broken link, not one of its own.
 */
export function unansweredBySize(ctx: Reader<'tls.handshake'>): { explainedBy: 'tls.handshake'; why: string } | undefined {
  return ctx.result('tls.handshake')?.code === 'TLS_MTU_BLACKHOLE' ? { explainedBy: 'tls.handshake', why: 'the request carries the token and is larger than the path carries' } : undefined
}

/**
 * The endpoint IPs the checks after TCP go on with: those TCP reached. On a dual-stack endpoint
 * whose IPv6 path is broken while IPv4 works, that is the IPv4 addresses kubectl falls back to.
 */
export function reachedIps(ctx: Reader<'dns.system' | 'network.tcp-connect'>): string[] {
  const ips = ctx.get('dns.system')?.ips ?? []
  const tcp = ctx.get('network.tcp-connect')
  return tcp ? ips.filter((ip) => tcp.find((r) => r.ip === ip)?.ok !== false) : ips
}

/** The IP a request with the token goes to: one whose TLS handshake completed, else the first resolved. */
export function requestIp(ctx: Reader<'dns.system' | 'tls.handshake'>): string | undefined {
  return ctx.get('tls.handshake')?.find((r) => r.ok)?.ip ?? ctx.get('dns.system')?.ips[0]
}
