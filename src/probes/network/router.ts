/**
 * Which instance of the VPN VPC is the VPN router, from every signal there is: the Tailscale peer
 * that carries the route (its host name against the instance's Name tag and private DNS name, its
 * endpoints against the instance's public and private IPs), the source/dest check that a router
 * forwarding without SNAT must have off, and a security group that admits a VPN's UDP port.
 */
import type { InstanceInfo, SecurityGroupInfo } from '../../aws/ec2.js'
import type { TailscalePeer } from '../../platform/parsers/tailscale-status.js'

/** The UDP ports VPN servers listen on, by the software that uses them. */
export const VPN_UDP_PORTS: readonly { port: number; software: string }[] = [
  { port: 41641, software: 'Tailscale' },
  { port: 51820, software: 'WireGuard' },
  { port: 1194, software: 'OpenVPN' },
]

/** The router, and the signal that named it. */
export interface RouterChoice {
  router: InstanceInfo
  how: string
}

/** How Tailscale turns a machine name into a host name: lower case, runs of other characters as one hyphen. */
function asHostName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

function hostOfEndpoint(endpoint: string): string {
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(endpoint)
  if (bracketed) return bracketed[1] ?? endpoint
  return endpoint.replace(/:\d+$/, '')
}

/** The VPN UDP ports an instance's groups admit, with the software that uses each. */
export function vpnPortsOpen(instance: InstanceInfo, groups: readonly SecurityGroupInfo[]): string[] {
  const rules = groups.filter((g) => instance.groupIds.includes(g.id)).flatMap((g) => g.ingress)
  return VPN_UDP_PORTS.filter(({ port }) =>
    rules.some((r) => r.protocol === '-1' || ((r.protocol === 'udp' || r.protocol === '17') && (r.fromPort ?? 0) <= port && (r.toPort ?? 65535) >= port)),
  ).map(({ port, software }) => `UDP ${port} (${software})`)
}

/** The Tailscale peer's match among the instances: by host name, or by an endpoint address. */
function matchPeer(peer: TailscalePeer, instances: readonly InstanceInfo[]): RouterChoice | undefined {
  const host = asHostName(peer.hostName)
  const byName = instances.filter((i) => (i.name && asHostName(i.name) === host) || (i.privateDnsName && i.privateDnsName.split('.')[0]?.toLowerCase() === host))
  if (byName.length === 1) {
    const router = byName[0]!
    const what = router.name && asHostName(router.name) === host ? `its Name tag "${router.name}"` : `its private DNS name ${router.privateDnsName}`
    return { router, how: `the Tailscale peer ${peer.hostName} that carries the route (${what})` }
  }
  const endpoints = new Set([peer.curAddr, ...(peer.addrs ?? [])].filter((a): a is string => Boolean(a)).map(hostOfEndpoint))
  const byAddress = instances.filter((i) => [i.publicIp, ...(i.privateIps ?? []), i.privateIp].some((ip) => ip && endpoints.has(ip)))
  if (byAddress.length === 1) {
    const router = byAddress[0]!
    const ip = [router.publicIp, ...(router.privateIps ?? []), router.privateIp].find((a) => a && endpoints.has(a))
    return { router, how: `the Tailscale peer ${peer.hostName} that carries the route (its endpoint ${ip} is the instance's)` }
  }
  return undefined
}

/**
 * The router among the instances of the VPN VPC, strongest signal first: the Tailscale peer that
 * carries the route; else the one instance with source/dest check off (and a VPN port open, when
 * several are off); else the one instance whose groups admit a VPN's UDP port.
 */
export function identifyRouter(instances: readonly InstanceInfo[], o: { peer?: TailscalePeer; groups: readonly SecurityGroupInfo[] }): RouterChoice | undefined {
  const live = instances.filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down')
  if (o.peer) {
    const matched = matchPeer(o.peer, live)
    if (matched) return matched
  }
  const open = new Map(live.map((i) => [i.id, vpnPortsOpen(i, o.groups)]))
  const checkOff = live.filter((i) => i.sourceDestCheck === false)
  const checkOffAndOpen = checkOff.filter((i) => (open.get(i.id) ?? []).length > 0)
  if (checkOff.length === 1) return { router: checkOff[0]!, how: 'the only instance of the VPN VPC with source/dest check off' }
  if (checkOffAndOpen.length === 1) {
    const router = checkOffAndOpen[0]!
    return { router, how: `the only instance of the VPN VPC with source/dest check off that admits ${open.get(router.id)?.join(', ')}` }
  }
  const withPort = live.filter((i) => (open.get(i.id) ?? []).length > 0)
  if (withPort.length === 1) {
    const router = withPort[0]!
    return { router, how: `the only instance of the VPN VPC whose security group admits ${open.get(router.id)?.join(', ')}` }
  }
  return undefined
}
