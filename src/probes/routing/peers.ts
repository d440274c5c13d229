/** Which tailnet peer carries traffic for an IP: the longest AllowedIPs/PrimaryRoutes match. */
import { cidrContains } from '../../platform/cidr.js'
import type { TailscalePeer } from '../../platform/parsers/tailscale-status.js'

export function coveringPeer(peers: readonly TailscalePeer[], ip: string): { peer: TailscalePeer; cidr: string } | undefined {
  let best: { peer: TailscalePeer; cidr: string; length: number } | undefined
  for (const peer of peers) {
    for (const cidr of new Set([...peer.primaryRoutes, ...peer.allowedIPs])) {
      const length = Number(cidr.split('/')[1] ?? -1)
      // Exit-node routes cover everything; they count only when nothing more specific does.
      if (cidrContains(cidr, ip) && (!best || length > best.length)) best = { peer, cidr, length }
    }
  }
  return best ? { peer: best.peer, cidr: best.cidr } : undefined
}
