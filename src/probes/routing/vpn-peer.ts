/**
 * routing.vpn-peer — when the route enters Tailscale, the peer that carries it is online.
 * Evidence: the covering peer, its route, Online, relay/direct address.
 * Fix: bring the offline subnet router back; advertise the route when nobody carries it.
 */
import { defineProbe } from '../../engine/types.js'
import { buildAdvertiseRouteFix, buildPeerOfflineFix } from '../../fixes/routing.js'
import { coveringPeer } from './peers.js'

/** The tailnet peer that carries an endpoint IP routed into Tailscale. */
export type VpnPeerRow = {
  ip: string
  peer: string | null
  route: string | null
  online: boolean | null
  path: string | null
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'routing.vpn-peer': VpnPeerRow[]
  }
}

export const vpnPeerProbe = defineProbe({
  id: 'routing.vpn-peer',
  layer: 'routing',
  title: 'VPN peer that carries the route',
  needs: ['routing.local-route'],
  uses: ['routing.tailscale', 'cluster.vpc'],
  async run(ctx) {
    const routes = (ctx.get('routing.local-route') ?? []).filter((r) => r.kind === 'vpn')
    if (routes.length === 0) return { status: 'skip', detail: 'no endpoint IP is routed into a VPN interface' }
    const tailscale = ctx.get('routing.tailscale')
    const viaTailscale = routes.filter((r) => {
      const iface = r.lookup.interface ?? ''
      return ctx.env.platform === 'linux' ? iface.startsWith('tailscale') : Boolean(tailscale?.status) && /^utun|tailscale/i.test(iface)
    })
    if (viaTailscale.length === 0 || !tailscale?.status) {
      const iface = routes[0]?.lookup.interface ?? 'the VPN interface'
      return { status: 'skip', detail: `the route goes into ${iface}, not Tailscale: its peer state is not visible to eksdoctor` }
    }
    const rows = viaTailscale.map((r) => ({ ip: r.ip, covering: coveringPeer(tailscale.status!.peers, r.ip) }))
    const peers: VpnPeerRow[] = rows.map((row) => ({
      ip: row.ip,
      peer: row.covering?.peer.hostName ?? null,
      route: row.covering?.cidr ?? null,
      online: row.covering?.peer.online ?? null,
      path: row.covering ? (row.covering.peer.curAddr ? 'direct' : row.covering.peer.relay ? `relay ${row.covering.peer.relay}` : null) : null,
    }))
    const evidence = { peers }
    const orphan = rows.filter((row) => !row.covering)
    if (orphan.length > 0) {
      return {
        status: 'fail',
        code: 'ROUTE_NOT_VPN',
        category: 'routing',
        detail: `${orphan.map((o) => o.ip).join(', ')} ${orphan.length > 1 ? 'go' : 'goes'} into Tailscale but no peer serves a route covering ${orphan.length > 1 ? 'them' : 'it'}`,
        evidence,
        data: peers,
        fixes: [buildAdvertiseRouteFix(orphan.map((o) => o.ip), ctx.get('cluster.vpc')?.cidrs[0], undefined)],
      }
    }
    const offline = rows.filter((row) => row.covering && !row.covering.peer.online)
    if (offline.length > 0) {
      const peer = offline[0]!.covering!
      return {
        status: 'fail',
        code: 'VPN_PEER_OFFLINE',
        category: 'routing',
        detail: `the subnet router ${peer.peer.hostName} that serves ${peer.cidr} is offline`,
        evidence,
        data: peers,
        fixes: [buildPeerOfflineFix(peer.peer, peer.cidr)],
      }
    }
    const names = [...new Set(rows.map((row) => `${row.covering!.peer.hostName} (${row.covering!.cidr})`))]
    return { status: 'pass', detail: `carried by ${names.join(', ')}, online`, evidence, data: peers }
  },
})
