/**
 * Each endpoint IP's path as hops (workstation → interface → VPN peer → IP:port → TLS → /readyz),
 * read from what the probes published about that IP. The judgement of each hop is the probe's
 * own; past the first broken hop the rest is not reached. Renderers only draw the rows.
 */
import type { CheckResult, DataId, PathHop, PathRow, ProbeData, ProbeId } from '../engine/types.js'
import { routeReachesEndpoint } from './routing/local-route.js'

/** What a finished run offers the tracer. */
export interface RunView {
  data: <K extends DataId>(id: K) => ProbeData[K] | undefined
  check: (id: ProbeId) => CheckResult | undefined
}

const NOT_REACHED = ['route', 'endpoint:443', 'TLS', '/readyz']

export function tracePaths(run: RunView): PathRow[] {
  const dns = run.check('dns.system')
  const resolved = run.data('dns.system')
  // A wrong answer with the ENI IPs to go on with: the DNS hop is broken, the rest was still probed.
  const assumed = dns?.status === 'fail' && Boolean(dns.assumption)
  if (dns?.status === 'fail' && !assumed) {
    // The name itself is the broken link: one row that stops at DNS.
    const answered = resolved?.ips.length ? ` → ${resolved.ips.join(', ')}` : ''
    return [
      {
        ip: '',
        hops: [
          { label: 'workstation', state: 'ok' },
          { label: `DNS ${dns.code ?? 'failed'}${answered}`, state: 'broken' },
          ...NOT_REACHED.map((label) => ({ label, state: 'not-reached' as const })),
        ],
      },
    ]
  }
  const port = resolved?.port ?? 443
  return (resolved?.ips ?? []).map((ip) => {
    let reached = true
    const hops: PathHop[] = [{ label: 'workstation', state: 'ok' }]
    if (assumed) hops.push({ label: `DNS ${dns?.code ?? 'failed'}${resolved?.answered?.length ? ` → ${resolved.answered.join(', ')}` : ''}`, state: 'broken' })
    const hop = (label: string, state: PathHop['state']) => {
      hops.push({ label, state: reached ? state : 'not-reached' })
      if (state === 'broken') reached = false
    }
    const route = run.data('routing.local-route')?.find((r) => r.ip === ip)
    const peer = run.data('routing.vpn-peer')?.find((p) => p.ip === ip)
    const tcp = run.data('network.tcp-connect')?.find((t) => t.ip === ip)
    const tls = run.data('tls.handshake')?.find((h) => h.ip === ip)
    const readyz = run.data('apiserver.readyz')?.find((z) => z.ip === ip)
    hop(route ? (route.lookup.interface ?? route.kind) : 'route', route ? (routeReachesEndpoint(route) ? 'ok' : 'broken') : 'unknown')
    if (peer?.peer) hop(`${peer.peer}${peer.online === false ? ' (offline)' : ''}`, peer.online === false ? 'broken' : 'ok')
    hop(`${ip}:${port}`, tcp ? (tcp.ok ? 'ok' : 'broken') : 'unknown')
    hop('TLS', tls ? (tls.accepted ? 'ok' : 'broken') : 'unknown')
    hop('/readyz', readyz ? (readyz.ok ? 'ok' : 'broken') : 'unknown')
    return { ip, hops }
  })
}
