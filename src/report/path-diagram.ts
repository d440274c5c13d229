/**
 * The path as hops, one row per endpoint IP: workstation → interface → VPN peer → IP:port →
 * TLS → /readyz, each hop ok, broken or not reached. Read from the checks' evidence only.
 */
import type { CheckResult, Report } from '../engine/types.js'

export type HopState = 'ok' | 'broken' | 'not-reached' | 'unknown'

export interface Hop {
  label: string
  state: HopState
}

type Row = Record<string, unknown>

function rows(check: CheckResult | undefined, key: string): Row[] {
  const value = check?.evidence[key]
  return Array.isArray(value) ? (value as Row[]) : []
}

function find(list: Row[], ip: string): Row | undefined {
  return list.find((row) => {
    const v = row.ip
    return v === ip || (typeof v === 'object' && v !== null && (v as { raw?: string }).raw === ip)
  })
}

export function buildPathRows(report: Report): { ip: string; hops: Hop[] }[] {
  const byId = new Map(report.checks.map((c) => [c.id, c]))
  const dns = byId.get('dns.system')
  const answers = rows(dns, 'answers').map((a) => a.ip)
  const literal = dns?.evidence.host
  const ips = (answers.length ? answers : literal ? [literal] : []).map((ip) =>
    typeof ip === 'object' && ip !== null ? String((ip as { raw: string }).raw) : String(ip),
  )
  const route = byId.get('routing.local-route')
  const peer = byId.get('routing.vpn-peer')
  const tcp = byId.get('network.tcp-connect')
  const tls = byId.get('tls.handshake')
  const readyz = byId.get('apiserver.readyz')
  const port = tcp?.evidence.port ?? 443
  if (dns?.status === 'fail') {
    // The name itself is the broken link: no row per answer, one row that stops at DNS.
    const notReached = ['route', 'endpoint:443', 'TLS', '/readyz'].map((label) => ({ label, state: 'not-reached' as const }))
    const answered = ips.length ? ` → ${ips.join(', ')}` : ''
    return [{ ip: '', hops: [{ label: 'workstation', state: 'ok' }, { label: `DNS ${dns.code ?? 'failed'}${answered}`, state: 'broken' }, ...notReached] }]
  }
  return ips.map((ip) => {
    let reached = true
    const hop = (label: string, state: HopState): Hop => {
      const h = { label, state: reached ? state : 'not-reached' }
      if (state === 'broken') reached = false
      return h
    }
    const r = find(rows(route, 'routes'), ip)
    const p = find(rows(peer, 'peers'), ip)
    const t = find(rows(tcp, 'connections'), ip)
    const h = find(rows(tls, 'handshakes'), ip)
    const z = find(rows(readyz, 'responses'), ip)
    const routeOk = r ? ['vpn', 'local'].includes(String(r.kind)) || (r.kind === 'default' && route?.status !== 'fail') : undefined
    const hops: Hop[] = [{ label: 'workstation', state: 'ok' }]
    hops.push(hop(r ? String(r.interface ?? r.kind) : 'route', r ? (routeOk ? 'ok' : 'broken') : 'unknown'))
    if (p && p.peer) hops.push(hop(`${String(p.peer)}${p.online === false ? ' (offline)' : ''}`, p.online === false ? 'broken' : 'ok'))
    hops.push(hop(`${ip}:${String(port)}`, t ? (t.result === 'connected' ? 'ok' : 'broken') : 'unknown'))
    hops.push(hop('TLS', h ? (h.ok && (h.verified || tls?.status === 'warn') ? 'ok' : 'broken') : 'unknown'))
    hops.push(hop('/readyz', z ? (typeof z.status === 'number' && z.status < 500 && z.status !== 404 ? 'ok' : 'broken') : 'unknown'))
    return { ip, hops }
  })
}
