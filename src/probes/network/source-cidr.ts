/**
 * network.source-cidr — what the cluster sees as the source of VPN traffic: --source-cidr, or the
 * networks connected to the cluster VPC (peering connections, TGW/VGW routes of the endpoint
 * subnets), narrowed by the VPN router when it is known (--vpn-instance, --vpn-ip, or the EC2 host
 * name of the Tailscale peer that serves the route). Also reads the route tables and peerings the
 * later checks judge.
 * Evidence: each source CIDR with how it was found and why.
 * Fix: none when found; a cluster VPC connected to nothing is a routing failure.
 */
import type { PeeringInfo, RouteTableInfo } from '../../aws/ec2.js'
import { defineProbe, type ProbeContext } from '../../engine/types.js'
import { cidrContains, cidrCovers } from '../../platform/cidr.js'
import { coveringPeer } from '../routing/peers.js'
import { identifyRouter } from './router.js'
import { clientVpnOf, readClientVpnsFor, withClientVpn } from './client-vpn-path.js'
import { readTransitGateways, withTransitGateways } from './tgw-path.js'
import { awsCallOptions, awsSkip } from '../aws-call.js'
import { type AwsPath, type EndpointSubnet, type SourceNetwork, tableOf, whenAwsPathMatters } from './aws-path.js'

declare module '../../engine/types.js' {
  interface ProbeData {
    'network.source-cidr': AwsPath
  }
}

const EC2_HOSTNAME = /^ip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(\b|\.|$)/

/** The VPN router's private IP from an EC2 default host name (ip-10-1-2-3), when Tailscale shows one. */
function routerIpFromTailscale(ctx: ProbeContext<never, 'routing.tailscale'>, endpointIps: string[]): string | undefined {
  const peers = ctx.get('routing.tailscale')?.status?.peers ?? []
  for (const ip of endpointIps) {
    const peer = coveringPeer(peers, ip)?.peer
    const m = peer ? EC2_HOSTNAME.exec(peer.hostName) : null
    if (m) return `${m[1]}.${m[2]}.${m[3]}.${m[4]}`
  }
  return undefined
}

/** The router the user named (--vpn-instance, --vpn-ip), or the one a Tailscale peer's EC2 host name gives. */
async function namedRouter(ctx: ProbeContext<never, 'routing.tailscale'>, endpointIps: string[]): Promise<AwsPath['router'] | { error: string }> {
  const call = awsCallOptions(ctx)
  const t = ctx.target
  const fromTailscale = !t.vpnInstance && !t.vpnIp ? routerIpFromTailscale(ctx, endpointIps) : undefined
  const by = t.vpnInstance ? { instanceId: t.vpnInstance } : { privateIp: t.vpnIp ?? fromTailscale }
  if (!by.instanceId && !by.privateIp) return undefined
  const how = t.vpnInstance ? '--vpn-instance' : t.vpnIp ? '--vpn-ip' : `the Tailscale peer's EC2 host name (${fromTailscale})`
  const result = await ctx.env.aws.describeInstance(by, call)
  if (!result.ok) return { error: result.message }
  return result.value ? { ...result.value, how } : t.vpnInstance || t.vpnIp ? { error: `no instance ${t.vpnInstance ?? `with private IP ${t.vpnIp}`}` } : undefined
}

/** The router found among the instances of the VPN VPCs, from the Tailscale peer, source/dest check and VPN ports. */
async function searchRouter(ctx: ProbeContext<never, 'routing.tailscale'>, sources: SourceNetwork[], endpointIps: string[]): Promise<AwsPath['router'] | undefined> {
  const vpcIds = [...new Set(sources.map((s) => s.remoteVpcId).filter((v): v is string => Boolean(v)))]
  if (vpcIds.length === 0) return undefined
  const call = awsCallOptions(ctx)
  const instances = await ctx.env.aws.describeInstances({ vpcIds }, call)
  if (!instances.ok || instances.value.length === 0) return undefined
  const groupIds = [...new Set(instances.value.flatMap((i) => i.groupIds))]
  const groups = groupIds.length ? await ctx.env.aws.describeSecurityGroups(groupIds, call) : undefined
  const peers = ctx.get('routing.tailscale')?.status?.peers ?? []
  const peer = endpointIps.map((ip) => coveringPeer(peers, ip)?.peer).find(Boolean)
  const choice = identifyRouter(instances.value, { peer, groups: groups?.ok ? groups.value : [] })
  return choice ? { ...choice.router, how: choice.how } : undefined
}

function remoteSide(p: PeeringInfo, clusterVpcId: string) {
  return p.requester.vpcId === clusterVpcId ? p.accepter : p.requester
}

/**
 * The networks connected to the cluster VPC, one per CIDR, the connection that really carries it
 * first: a route of the endpoint subnets to a TGW or VGW; an active peering; a route to one; a
 * peering in any other status; a route to such a peering. A team that moved from peering to a TGW
 * keeps the deleted peering in the listing for a while: the routes say it is history.
 */
function inferSources(clusterVpcId: string, clusterCidrs: string[], peerings: PeeringInfo[], subnets: EndpointSubnet[]): SourceNetwork[] {
  const candidates: { rank: number; source: SourceNetwork }[] = []
  const statusOf = (pcx: string) => peerings.find((p) => p.id === pcx)?.status
  for (const subnet of subnets) {
    for (const route of subnet.table?.routes ?? []) {
      if (!['pcx', 'tgw', 'vgw'].includes(route.targetType) || route.prefixListId) continue
      if (route.destination === '0.0.0.0/0' || route.destination === '::/0' || clusterCidrs.some((c) => cidrCovers(c, route.destination))) continue
      const status = route.targetType === 'pcx' ? statusOf(route.targetId) : undefined
      candidates.push({
        rank: route.targetType !== 'pcx' ? 0 : status === undefined || status === 'active' ? 2 : 4,
        source: { cidr: route.destination, via: route.targetType === 'pcx' ? 'peering' : (route.targetType as 'tgw' | 'vgw'), connectionId: route.targetId, why: `routed to ${route.targetId} by ${subnet.table?.id}` },
      })
    }
  }
  for (const p of peerings) {
    const remote = remoteSide(p, clusterVpcId)
    for (const cidr of remote.cidrs) {
      candidates.push({ rank: p.status === 'active' ? 1 : 3, source: { cidr, via: 'peering', connectionId: p.id, remoteVpcId: remote.vpcId, why: `the VPC on the other side of ${p.id} (${p.status})` } })
    }
  }
  const sources: SourceNetwork[] = []
  for (const { source } of candidates.sort((x, y) => x.rank - y.rank)) {
    if (!sources.some((x) => x.cidr === source.cidr)) sources.push(source)
  }
  return sources
}

export const sourceCidrProbe = defineProbe({
  id: 'network.source-cidr',
  layer: 'network',
  title: 'Where VPN traffic enters the cluster VPC from',
  needs: ['cluster.describe'],
  uses: ['cluster.endpoint-enis', 'cluster.vpc', 'routing.tailscale', 'network.tcp-connect', 'routing.local-route'],
  early: ['network.tcp-connect'],
  timeoutMs: 20_000,
  run(ctx) {
    return whenAwsPathMatters(
      ctx,
      async () => {
        const cluster = ctx.need('cluster.describe')
        if (!cluster.vpcId) return { status: 'skip', detail: 'DescribeCluster named no VPC' }
        const call = awsCallOptions(ctx)
        const enis = ctx.get('cluster.endpoint-enis')?.enis ?? []
        const endpointIps = enis.flatMap((e) => e.privateIps)
        const [tables, peerings, named, clientVpnRead] = await Promise.all([
          ctx.env.aws.describeRouteTables({ vpcId: cluster.vpcId }, call),
          ctx.env.aws.describePeerings(cluster.vpcId, call),
          namedRouter(ctx, endpointIps),
          readClientVpnsFor(ctx, call, endpointIps),
        ])
        if (!tables.ok) return awsSkip(tables)
        const clusterCidrs = ctx.get('cluster.vpc')?.cidrs ?? []
        const subnetIps = new Map<string, string[]>()
        for (const eni of enis) subnetIps.set(eni.subnetId, [...(subnetIps.get(eni.subnetId) ?? []), ...eni.privateIps])
        const subnetIds = subnetIps.size ? [...subnetIps.keys()] : cluster.subnetIds
        const endpointSubnets: EndpointSubnet[] = subnetIds.map((subnetId) => ({
          subnetId,
          ips: subnetIps.get(subnetId) ?? [],
          table: tableOf(tables.value as RouteTableInfo[], subnetId),
        }))
        const peeringList = peerings.ok ? peerings.value : []
        const connected = inferSources(cluster.vpcId, clusterCidrs, peeringList, endpointSubnets)
        const clientVpn = clientVpnOf(clientVpnRead, { clusterVpcId: cluster.vpcId, peerings: peeringList, routed: connected.filter((s) => s.via === 'tgw' || s.via === 'vgw'), named: ctx.target.clientVpnEndpoint })
        const transitGateways = await readTransitGateways(ctx.env.aws, call, { clusterVpcId: cluster.vpcId, endpointSubnets, discover: connected.length === 0 && clientVpn.sources.length === 0 })
        const inferred = withTransitGateways(withClientVpn(connected, clientVpn.sources), transitGateways, cluster.vpcId)
        const given = ctx.target.vpnInstance || ctx.target.vpnIp
        // Client VPN needs no router of the user's: its endpoint forwards and translates.
        const router = named ?? (given || clientVpn.sources.length ? undefined : await searchRouter(ctx, inferred, endpointIps))
        const routerInfo = router && !('error' in router) ? router : undefined
        let sources: SourceNetwork[]
        if (ctx.target.sourceCidr) {
          const flag = ctx.target.sourceCidr
          const connection = inferred.find((s) => cidrCovers(s.cidr, flag) || cidrCovers(flag, s.cidr))
          sources = [{ ...connection, cidr: flag, via: 'flag', why: `given with --source-cidr${connection?.connectionId ? `; it arrives over ${connection.connectionId}` : ''}` }]
        } else {
          sources = inferred
          if (routerInfo?.privateIp) {
            const narrowed = sources.filter((s) => cidrContains(s.cidr, routerInfo.privateIp ?? ''))
            if (narrowed.length) sources = narrowed.map((s) => ({ ...s, why: `${s.why}; it holds the VPN router ${routerInfo.id} (${routerInfo.privateIp})` }))
          }
        }
        const data: AwsPath = { clusterVpcId: cluster.vpcId, clusterCidrs, endpointSubnets, peerings: peeringList, peeringsReadable: peerings.ok, sources, router: routerInfo, clientVpn: clientVpn.view, transitGateways }
        const evidence = {
          sources: sources.map((s) => ({ cidr: s.cidr, via: s.via, connection: s.connectionId ?? null, remoteVpc: s.remoteVpcId ?? null, why: s.why })),
          endpointSubnets: endpointSubnets.map((s) => ({ subnet: s.subnetId, ips: s.ips, routeTable: s.table?.id ?? null })),
          router: routerInfo ? { id: routerInfo.id, privateIp: routerInfo.privateIp ?? null, found: routerInfo.how } : router && 'error' in router ? { error: router.error } : null,
          peeringsReadable: peerings.ok,
          clientVpn: clientVpn.view.unread ?? clientVpn.view.failure?.message ?? clientVpn.view.endpoints.map((r) => ({ endpoint: r.endpoint.id, status: r.endpoint.status, found: r.how })),
        }
        const unassociated = clientVpn.view.endpoints.map((r) => r.endpoint.id)
        if (sources.length === 0 && unassociated.length) {
          // The endpoint that should carry the traffic is the broken link; network.client-vpn names it.
          return { status: 'fail', code: 'NO_SOURCE_NETWORK', category: 'routing', explainedBy: 'network.client-vpn', detail: `nothing enters ${cluster.vpcId} from the VPN yet: the Client VPN endpoint ${unassociated.join(', ')} has no associated subnet in it or in a VPC connected to it`, evidence, data }
        }
        if (sources.length === 0) {
          return {
            status: 'fail',
            code: 'NO_SOURCE_NETWORK',
            category: 'routing',
            confirmed: false,
            alternatives: [{ category: 'security-group', summary: 'the VPN ends inside the cluster VPC (AWS Client VPN): give its CIDR with --source-cidr' }],
            detail: `nothing connects ${cluster.vpcId} to the VPN: no VPC peering, and no TGW or VGW route in the endpoint subnets' route tables`,
            evidence,
            data,
          }
        }
        return {
          status: 'pass',
          detail: sources.map((s) => `${s.cidr}: ${s.why}`).join('; '),
          evidence,
          data,
        }
      },
      { ifNoTcp: 'skip', passWithoutWaiting: true },
    )
  },
})
