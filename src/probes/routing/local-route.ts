/**
 * routing.local-route — the interface the OS picks for each endpoint IP (Linux `ip -j route
 * get`, macOS `route -n get`, Windows Find-NetRoute), and whether that is a VPN interface.
 * Evidence: per IP the interface, gateway, table and its kind (vpn, default, lan, local).
 * Fix: from the Tailscale state when present: start Tailscale, accept routes, advertise the
 * CIDR, bring the offline router back; else connect the VPN; a LAN overlap gets a host route.
 */
import { defineProbe, type Fix, type ProbeContext } from '../../engine/types.js'
import {
  buildAcceptRoutesFix,
  buildAdvertiseRouteFix,
  buildConnectVpnFix,
  buildOverlapFix,
  buildPeerOfflineFix,
  buildTailscaleUpFix,
} from '../../fixes/routing.js'
import { classifyAddress, ipFamily } from '../../platform/cidr.js'
import type { RouteLookup } from '../../platform/parsers/route.js'
import { parseDarwinRouteGet } from '../../platform/parsers/route-darwin.js'
import { parseLinuxRouteGet } from '../../platform/parsers/route-linux.js'
import { parseWindowsFindNetRoute, windowsFindNetRouteArgs } from '../../platform/parsers/route-windows.js'
import { listIps } from '../shared.js'
import { coveringPeer } from './peers.js'
import { tunnelOwner } from './tunnel-owner.js'

/** What routing.local-route hands on, per IP. */
export interface RouteVerdict {
  ip: string
  lookup: RouteLookup
  kind: 'vpn' | 'default' | 'lan' | 'local' | 'unreachable' | 'unknown'
}


declare module '../../engine/types.js' {
  interface ProbeData {
    'routing.local-route': RouteVerdict[]
  }
}

const VPN_INTERFACE = /^(utun\d*|tailscale\d*|tun\d*|tap\d*|wg\d*|ppp\d*|ipsec\d*|gpd\d*|zt[0-9a-z]*|nordlynx|cscotun\d*|vpn.*)$/i
const VPN_ALIAS_WINDOWS = /tailscale|wireguard|openvpn|vpn|wintun|tap-windows|anyconnect|globalprotect/i
const LOOPBACK_INTERFACE = /^(lo\d*|Loopback.*)$/i

async function lookupRoute(ctx: ProbeContext, ip: string): Promise<RouteLookup> {
  const bound = { timeoutMs: 3000, signal: ctx.signal }
  if (ctx.env.platform === 'darwin') {
    const r = await ctx.env.exec('/sbin/route', ['-n', 'get', ip], bound)
    if (r.notFound || r.timedOut) return { destination: ip, ok: false, error: r.timedOut ? 'route -n get timed out' : '/sbin/route not found' }
    return parseDarwinRouteGet(ip, r.stdout, r.stderr)
  }
  if (ctx.env.platform === 'win32') {
    const r = await ctx.env.exec('powershell', windowsFindNetRouteArgs(ip), { ...bound, timeoutMs: 8000 })
    if (r.notFound || r.timedOut) return { destination: ip, ok: false, error: r.timedOut ? 'Find-NetRoute timed out' : 'powershell not found' }
    return parseWindowsFindNetRoute(ip, r.stdout, r.stderr, r.exitCode ?? 1)
  }
  const ipBin = (await ctx.env.which('ip')) ?? '/sbin/ip'
  const r = await ctx.env.exec(ipBin, ['-j', 'route', 'get', ip], bound)
  if (r.notFound || r.timedOut) return { destination: ip, ok: false, error: r.timedOut ? 'ip route get timed out' : 'ip (iproute2) not found' }
  return parseLinuxRouteGet(ip, r.stdout, r.stderr, r.exitCode ?? 1)
}

/** Whether this route can carry traffic to the endpoint: a public endpoint IP is meant to go out of the default route. */
export function routeReachesEndpoint(v: RouteVerdict): boolean {
  if (v.kind === 'unreachable' || v.kind === 'unknown') return false
  return !((v.kind === 'default' || v.kind === 'lan') && classifyAddress(v.ip) !== 'public')
}

export function classifyRoute(ip: string, lookup: RouteLookup, platform: string): RouteVerdict['kind'] {
  if (!lookup.ok || ['unreachable', 'blackhole', 'prohibit', 'throw'].includes(lookup.type ?? '')) return 'unreachable'
  const iface = lookup.interface ?? ''
  if (lookup.type === 'local' || LOOPBACK_INTERFACE.test(iface) || classifyAddress(ip) === 'loopback') return 'local'
  if (VPN_INTERFACE.test(iface) || (platform === 'win32' && VPN_ALIAS_WINDOWS.test(iface))) return 'vpn'
  if (!iface) return 'unknown'
  // Linux `ip route get` never says which prefix matched; a gateway there means a routed, not on-link, path.
  // VPN clients split the default into halves (0.0.0.0/1, 128.0.0.0/1): still "the default".
  const matchedLength = lookup.matched ? Number(lookup.matched.split('/')[1]) : undefined
  const viaDefault = matchedLength !== undefined ? matchedLength <= 1 : Boolean(lookup.gateway)
  return viaDefault ? 'default' : 'lan'
}

/** The most useful next step for IPs that miss the VPN, given what Tailscale says. */
function chooseFix(ctx: ProbeContext<never, 'routing.tailscale' | 'cluster.vpc'>, bad: RouteVerdict[]): Fix {
  const ips = bad.map((b) => b.ip)
  const first = bad[0] as RouteVerdict
  const tailscale = ctx.get('routing.tailscale')
  const vpcCidr = ctx.get('cluster.vpc')?.cidrs[0]
  if (first.kind === 'lan') {
    return buildOverlapFix(first.ip, first.lookup.interface ?? 'a local interface', first.lookup.matched, ctx.env.platform === 'linux' && tailscale?.status ? 'tailscale0' : undefined)
  }
  if (!tailscale) return buildConnectVpnFix(ips, first.lookup.interface)
  if (!tailscale.status || tailscale.status.backendState !== 'Running') {
    return buildTailscaleUpFix(tailscale.status?.backendState ?? 'not answering')
  }
  const peer = coveringPeer(tailscale.status.peers, first.ip)
  if (!peer) return buildAdvertiseRouteFix(ips, vpcCidr, undefined)
  if (!peer.peer.online) return buildPeerOfflineFix(peer.peer, peer.cidr)
  if (tailscale.prefs?.routeAll === false || tailscale.status.acceptRoutesHealthWarning) {
    return buildAcceptRoutesFix(peer.peer, peer.cidr, ctx.env.platform)
  }
  return buildConnectVpnFix(ips, first.lookup.interface)
}

export const localRouteProbe = defineProbe({
  id: 'routing.local-route',
  layer: 'routing',
  title: 'Route from this workstation to each endpoint IP',
  needs: ['dns.system'],
  uses: ['routing.tailscale', 'cluster.vpc'],
  async run(ctx) {
    const resolved = ctx.need('dns.system')
    const verdicts: RouteVerdict[] = await Promise.all(
      resolved.ips.map(async (ip) => {
        const lookup = await lookupRoute(ctx, ip)
        return { ip, lookup, kind: classifyRoute(ip, lookup, ctx.env.platform) }
      }),
    )
    const tunnels = [...new Set(verdicts.filter((v) => v.kind === 'vpn' && v.lookup.interface).map((v) => v.lookup.interface as string))]
    const owners = new Map((await Promise.all(tunnels.map(async (t) => [t, await tunnelOwner(ctx, t)] as const))).filter((o): o is readonly [string, string] => Boolean(o[1])))
    const evidence = {
      routes: verdicts.map((v) => ({
        ip: v.ip,
        kind: v.kind,
        interface: v.lookup.interface ?? null,
        ...(v.lookup.interface && owners.has(v.lookup.interface) ? { owner: owners.get(v.lookup.interface) } : {}),
        gateway: v.lookup.gateway ?? null,
        table: v.lookup.table ?? null,
        matched: v.lookup.matched ?? null,
        error: v.lookup.error ?? null,
      })),
    }
    // A public endpoint IP is meant to go out of the default route.
    const bad = verdicts.filter((v) => !routeReachesEndpoint(v))
    const describe = (v: RouteVerdict) =>
      v.kind === 'unreachable'
        ? `${v.ip}: no route (${v.lookup.error ?? v.lookup.type ?? 'unreachable'})`
        : `${v.ip} via ${v.lookup.interface ?? '?'}${v.lookup.interface && owners.has(v.lookup.interface) ? ` (${owners.get(v.lookup.interface)})` : ''}${v.lookup.gateway ? ` (gateway ${v.lookup.gateway})` : ''}`
    if (bad.length === 0) {
      return { status: 'pass', detail: verdicts.map(describe).join('; '), evidence, data: verdicts }
    }
    // Dual-stack: an address family without a route costs kubectl nothing (it falls back to IPv4 at once).
    if (bad.every((b) => ipFamily(b.ip) === 6) && verdicts.some((v) => ipFamily(v.ip) === 4 && routeReachesEndpoint(v))) {
      return {
        status: 'warn',
        code: 'IPV6_PATH_BROKEN',
        detail: `no IPv6 route into the VPN for ${listIps(bad.map((b) => b.ip))} (${bad.map(describe).join('; ')}); IPv4 takes the VPN, and kubectl falls back to it`,
        evidence,
        data: verdicts,
      }
    }
    const unreachable = bad.every((b) => b.kind === 'unreachable')
    const partial = bad.length < verdicts.length ? ` (${bad.length} of ${verdicts.length} endpoint IPs)` : ''
    const summary = unreachable
      ? `no route to ${listIps(bad.map((b) => b.ip))}${partial}: ${bad.map(describe).join('; ')}`
      : `${listIps(bad.map((b) => b.ip))} ${bad.length > 1 ? 'leave' : 'leaves'} through ${bad[0]?.lookup.interface ?? 'a physical interface'}, not a VPN${partial}: ${bad.map(describe).join('; ')}`
    return {
      status: 'fail',
      code: unreachable ? 'ROUTE_UNREACHABLE' : 'ROUTE_NOT_VPN',
      category: 'routing',
      detail: summary,
      evidence,
      data: verdicts,
      fixes: [chooseFix(ctx, bad)],
    }
  },
})
