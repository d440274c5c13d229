/**
 * routing.wireguard — the WireGuard tunnel that should carry each endpoint IP (`wg show all dump`):
 * the peer whose allowed IPs cover it, and whether that peer answers. A handshake older than
 * Reject-After-Time (180 s) is not yet a dead tunnel (WireGuard is quiet while idle), so the check
 * sends a packet through it and reads the dump again: a tunnel that is up completes a handshake
 * within a round trip.
 * Evidence: per IP the interface, peer, endpoint, allowed IPs, handshake age, bytes received.
 * Fix: the CIDR added to the peer's allowed IPs (and the route wg-quick would install); for a peer
 * that never answers, where to look on the server.
 */
import { defineProbe, type ProbeContext, type ProbeOutcome } from '../../engine/types.js'
import { buildWireguardAllowedIpsFix, buildWireguardPeerDownFix } from '../../fixes/routing.js'
import { cidrContains } from '../../platform/cidr.js'
import { handshakeAgeSeconds, isHandshakeStale, parseWgDump, peerForIp, type WgInterface, type WgPeer } from '../../platform/parsers/wg-dump.js'
import { listIps } from '../shared.js'
import { routeReachesEndpoint } from './local-route.js'

/**
 * How long a tunnel that is up may take to complete a handshake after the check sends through it:
 * WireGuard sends a new initiation at most every Rekey-Timeout (5 s) plus up to 333 ms of jitter,
 * so one sent just before (by kubectl a moment ago) delays the next by that much.
 */
const HANDSHAKE_WAIT_MS = 5_500
const REREAD_EVERY_MS = 250

/** What routing.wireguard hands on: the tunnels, and which one carries each endpoint IP. */
export interface WireguardState {
  interfaces: WgInterface[]
  carriers: { ip: string; iface: string; publicKey: string; endpoint?: string }[]
  /** The workstation's own address on each carrying interface, as a CIDR (the source the server sees without SNAT). */
  tunnelAddresses: Record<string, string>
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'routing.wireguard': WireguardState
  }
}

type WgContext = ProbeContext<'dns.system', 'routing.local-route' | 'cluster.vpc'>

async function readDump(ctx: WgContext, wg: string): Promise<{ interfaces: WgInterface[] } | { error: string }> {
  const run = await ctx.env.exec(wg, ['show', 'all', 'dump'], { timeoutMs: 3000, signal: ctx.signal })
  if (run.timedOut) return { error: 'wg show all dump did not answer within 3 s' }
  if (run.exitCode !== 0) return { error: (run.stderr.trim().split('\n')[0] ?? '') || `wg exited with status ${run.exitCode}` }
  return { interfaces: parseWgDump(run.stdout) }
}

/** This workstation's IPv4 address on a tunnel interface, as the network CIDR it is in (or /32). */
async function tunnelAddress(ctx: WgContext, iface: string): Promise<string | undefined> {
  const bound = { timeoutMs: 3000, signal: ctx.signal }
  if (ctx.env.platform === 'darwin') {
    const run = await ctx.env.exec('ifconfig', [iface], bound)
    const m = /\binet (\d+\.\d+\.\d+\.\d+)(?: --> \S+)? netmask 0x([0-9a-f]{8})/.exec(run.stdout)
    if (!m) return undefined
    const bits = [...Number.parseInt(m[2]!, 16).toString(2)].filter((b) => b === '1').length
    return networkCidr(m[1]!, bits)
  }
  if (ctx.env.platform === 'win32') return undefined
  const run = await ctx.env.exec('ip', ['-j', 'addr', 'show', 'dev', iface], bound)
  try {
    const links = JSON.parse(run.stdout) as { addr_info?: { family?: string; local?: string; prefixlen?: number }[] }[]
    const v4 = links.flatMap((l) => l.addr_info ?? []).find((a) => a.family === 'inet' && a.local)
    return v4?.local ? networkCidr(v4.local, v4.prefixlen ?? 32) : undefined
  } catch {
    return undefined
  }
}

function networkCidr(ip: string, bits: number): string {
  const value = ip.split('.').reduce((n, o) => n * 256 + Number(o), 0)
  const size = 2 ** (32 - bits)
  const base = Math.floor(value / size) * size
  return `${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join('.')}/${bits}`
}

function describeAge(seconds: number | undefined): string {
  if (seconds === undefined) return 'no handshake ever completed'
  if (seconds < 120) return `the latest handshake was ${seconds} s ago`
  if (seconds < 7200) return `the latest handshake was ${Math.round(seconds / 60)} min ago`
  return `the latest handshake was ${Math.round(seconds / 3600)} h ago`
}

function shortKey(key: string): string {
  return `${key.slice(0, 8)}…`
}

/** The peer that would carry a CIDR: the only one, else the one with a server endpoint that answered last. */
function carrierPeer(iface: WgInterface): WgPeer | undefined {
  if (iface.peers.length === 1) return iface.peers[0]
  return [...iface.peers].filter((p) => p.endpoint).sort((a, b) => (b.latestHandshake ?? 0) - (a.latestHandshake ?? 0))[0]
}

/** Sends through the tunnel (a TCP SYN to the endpoint) and watches for a handshake newer than `since`. */
async function answersWithin(ctx: WgContext, wg: string, ip: string, port: number, iface: string, publicKey: string, since: number | undefined): Promise<WgPeer | undefined> {
  const wait = HANDSHAKE_WAIT_MS
  void ctx.env.net.connect(ip, port, { timeoutMs: Math.min(wait, ctx.options.connectTimeoutMs), signal: ctx.signal })
  for (let read = 0; read < Math.ceil(wait / REREAD_EVERY_MS); read++) {
    await new Promise((resolve) => setTimeout(resolve, REREAD_EVERY_MS))
    const again = await readDump(ctx, wg)
    if ('error' in again) return undefined
    const peer = again.interfaces.find((i) => i.name === iface)?.peers.find((p) => p.publicKey === publicKey)
    if (peer?.latestHandshake !== undefined && peer.latestHandshake !== since && !isHandshakeStale(peer, ctx.env.clock.now())) return peer
  }
  return undefined
}

export const wireguardProbe = defineProbe({
  id: 'routing.wireguard',
  layer: 'routing',
  title: 'WireGuard peer for each endpoint IP',
  needs: ['dns.system'],
  uses: ['routing.local-route', 'cluster.vpc'],
  async run(ctx): Promise<ProbeOutcome<WireguardState>> {
    const wg = await ctx.env.which('wg')
    if (!wg) return { status: 'skip', detail: 'wg (wireguard-tools) is not installed: no WireGuard tunnel to read' }
    const resolved = ctx.need('dns.system')
    const routes = ctx.get('routing.local-route') ?? []
    const dump = await readDump(ctx, wg)
    if ('error' in dump) {
      // Reading a tunnel's peers needs root; without it the tunnel is not judged, and the line says so.
      return { status: 'skip', detail: `wg show all dump: ${dump.error}${/not permitted|permission/i.test(dump.error) ? ' (reading WireGuard peers needs root: run with sudo to check them)' : ''}` }
    }
    const interfaces = dump.interfaces
    if (interfaces.length === 0) return { status: 'skip', detail: 'no WireGuard interface is up' }
    const now = ctx.env.clock.now()
    const rows = resolved.ips.map((ip) => ({ ip, match: peerForIp(interfaces, ip), route: routes.find((r) => r.ip === ip) }))
    const carrying = [...new Set(rows.flatMap((r) => (r.match ? [r.match.iface.name] : [])))]
    const addresses = await Promise.all(carrying.map(async (name) => [name, await tunnelAddress(ctx, name)] as const))
    const data: WireguardState = {
      interfaces,
      carriers: rows.flatMap(({ ip, match }) => (match ? [{ ip, iface: match.iface.name, publicKey: match.peer.publicKey, ...(match.peer.endpoint ? { endpoint: match.peer.endpoint } : {}) }] : [])),
      tunnelAddresses: Object.fromEntries(addresses.filter((a): a is readonly [string, string] => a[1] !== undefined)),
    }
    const evidence = {
      interfaces: interfaces.map((i) => i.name),
      peers: rows.map(({ ip, match }) => ({
        ip,
        interface: match?.iface.name ?? null,
        peer: match ? shortKey(match.peer.publicKey) : null,
        endpoint: match?.peer.endpoint ?? null,
        allowedIps: match?.peer.allowedIps ?? [],
        handshakeAgeSeconds: match ? (handshakeAgeSeconds(match.peer, now) ?? null) : null,
        rxBytes: match?.peer.rxBytes ?? null,
      })),
    }

    // No peer carries the IP: wg-quick installed no route for it, so it leaves outside the tunnel.
    const uncovered = rows.filter((r) => !r.match)
    if (uncovered.length > 0) {
      const iface = interfaces.find((i) => carrierPeer(i)) ?? interfaces[0]!
      const peer = carrierPeer(iface)
      const missedVpn = uncovered.some((r) => r.route && !routeReachesEndpoint(r.route))
      if (!peer || !missedVpn) {
        return { status: 'pass', detail: `no WireGuard peer carries ${listIps(uncovered.map((r) => r.ip))}: this path does not use ${interfaces.map((i) => i.name).join(', ')}`, evidence, data }
      }
      const vpcCidrs = ctx.get('cluster.vpc')?.cidrs ?? []
      const cidr = vpcCidrs.find((c) => uncovered.every((r) => cidrContains(c, r.ip))) ?? `${uncovered[0]!.ip}/32`
      return {
        status: 'fail',
        code: 'WG_ALLOWED_IPS_MISSING',
        category: 'routing',
        refines: 'routing.local-route',
        headline: `${listIps(uncovered.map((r) => r.ip))} ${uncovered.length > 1 ? 'leave' : 'leaves'} outside the VPN`,
        detail: `${iface.name} is up, but its peer ${shortKey(peer.publicKey)}${peer.endpoint ? ` at ${peer.endpoint}` : ''} carries only ${peer.allowedIps.join(', ') || 'no addresses'}, not ${cidr}: no route sends ${listIps(uncovered.map((r) => r.ip))} into the tunnel`,
        evidence,
        data,
        fixes: [buildWireguardAllowedIpsFix({ iface: iface.name, peer, cidr, platform: ctx.env.platform })],
      }
    }

    // A peer carries each IP: is it answering?
    const covered = rows.filter((r) => r.match)
    const down: { ip: string; iface: string; peer: WgPeer; age: number | undefined }[] = []
    const renewed: string[] = []
    for (const { ip, match } of covered) {
      if (!match || !isHandshakeStale(match.peer, now)) continue
      if (down.some((d) => d.peer.publicKey === match.peer.publicKey) || renewed.includes(match.peer.publicKey)) continue
      const fresh = await answersWithin(ctx, wg, ip, resolved.port, match.iface.name, match.peer.publicKey, match.peer.latestHandshake)
      if (fresh) renewed.push(match.peer.publicKey)
      else down.push({ ip, iface: match.iface.name, peer: match.peer, age: handshakeAgeSeconds(match.peer, now) })
    }
    if (down.length > 0) {
      const d = down[0]!
      const ips = covered.filter((r) => r.match?.peer.publicKey === d.peer.publicKey).map((r) => r.ip)
      return {
        status: 'fail',
        code: 'WG_HANDSHAKE_STALE',
        category: 'routing',
        detail:
          `${d.iface}'s peer ${shortKey(d.peer.publicKey)}${d.peer.endpoint ? ` at ${d.peer.endpoint}` : ''} carries ${listIps(ips)}, but ${describeAge(d.age)} and none completed ` +
          `within ${HANDSHAKE_WAIT_MS / 1000} s of sending through it: the tunnel is down${d.peer.endpoint ? ` (the server does not answer on UDP ${d.peer.endpoint.replace(/^.*:/, '')})` : ''}`,
        evidence,
        data,
        fixes: [buildWireguardPeerDownFix({ iface: d.iface, peer: d.peer })],
      }
    }
    const described = covered.map(({ ip, match }) => `${ip} via ${match!.iface.name} peer ${shortKey(match!.peer.publicKey)} (${renewed.includes(match!.peer.publicKey) ? 'handshake renewed now' : describeAge(handshakeAgeSeconds(match!.peer, now))})`)
    return { status: 'pass', detail: described.join('; '), evidence, data }
  },
})
