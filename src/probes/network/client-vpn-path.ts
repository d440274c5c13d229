/**
 * The AWS Client VPN side of network.source-cidr: the region's Client VPN endpoints that reach
 * the cluster VPC, and what the cluster sees of their traffic. An endpoint reaches it when the
 * user names it (--client-vpn-endpoint), or when one of its associations (or the VPC it was made
 * in) is the cluster VPC or a VPC connected to it: the other side of a peering, or a network the
 * endpoint subnets route to a transit or virtual private gateway. Client VPN translates every
 * client's address to the association's network interface, so the source is the associated
 * subnet's CIDR, carrying the endpoint's security groups.
 */
import type { AwsCallOptions, AwsClients } from '../../aws/clients.js'
import type { ClientVpnAssociationInfo, ClientVpnEndpointInfo, SubnetInfo } from '../../aws/client-vpn.js'
import type { PeeringInfo } from '../../aws/ec2.js'
import type { ProbeContext } from '../../engine/types.js'
import { cidrCovers } from '../../platform/cidr.js'
import { coveringPeer } from '../routing/peers.js'
import type { ClientVpnReach, ClientVpnView, SourceNetwork } from './aws-path.js'

/** Everything read, before it is known which endpoints reach the cluster. */
export interface ClientVpnTopology {
  endpoints: { endpoint: ClientVpnEndpointInfo; associations: ClientVpnAssociationInfo[] }[]
  subnets: SubnetInfo[]
}

/** Associations on their way out carry no traffic and will not again. */
const GONE = new Set(['disassociating', 'disassociated'])

type Unread = Pick<ClientVpnView, 'failure' | 'unread'>

/**
 * Read the Client VPN side unless the path is plainly another VPN's: a VPN router named with
 * --vpn-instance or --vpn-ip, or a Tailscale peer that serves the endpoint IPs.
 */
export async function readClientVpnsFor(ctx: Pick<ProbeContext<never, 'routing.tailscale'>, 'env' | 'target' | 'get'>, call: AwsCallOptions, endpointIps: string[]): Promise<ClientVpnTopology | Unread> {
  const named = ctx.target.clientVpnEndpoint
  if (!named) {
    if (ctx.target.vpnInstance || ctx.target.vpnIp) return { unread: `the VPN router was named with ${ctx.target.vpnInstance ? '--vpn-instance' : '--vpn-ip'}` }
    const peers = ctx.get('routing.tailscale')?.status?.peers ?? []
    const peer = endpointIps.map((ip) => coveringPeer(peers, ip)?.peer).find(Boolean)
    if (peer) return { unread: `the Tailscale peer ${peer.hostName} serves the endpoint IPs` }
  }
  return readClientVpnTopology(ctx.env.aws, call, named)
}

/** What source-cidr keeps of the Client VPN side: the endpoints that reach the cluster, and the sources they give. */
export function clientVpnOf(read: ClientVpnTopology | Unread, o: Parameters<typeof reachingEndpoints>[1]): { view: ClientVpnView; sources: SourceNetwork[] } {
  if (!('endpoints' in read)) return { view: { endpoints: [], ...read }, sources: [] }
  const endpoints = reachingEndpoints(read, o)
  return { view: { endpoints }, sources: clientVpnSources(endpoints, o.clusterVpcId) }
}

/**
 * The candidates with the Client VPN sources first. A network that only carries them (the peered
 * VPC whose subnet the endpoint is associated with) gives way to the narrower subnet.
 */
export function withClientVpn(inferred: SourceNetwork[], clientVpn: SourceNetwork[]): SourceNetwork[] {
  const rest = inferred.filter((s) => !clientVpn.some((c) => c.cidr === s.cidr || cidrCovers(s.cidr, c.cidr)))
  return [...clientVpn, ...rest]
}

/** The region's endpoints (or the named one), their associations and the associations' subnets. */
export async function readClientVpnTopology(aws: AwsClients, call: AwsCallOptions, named?: string): Promise<ClientVpnTopology | Pick<ClientVpnView, 'failure'>> {
  // Every endpoint, then the named one among them: a wrong id is "not found here", not an API error.
  const endpoints = await aws.describeClientVpnEndpoints({}, call)
  if (!endpoints.ok) return { failure: endpoints }
  const chosen = named ? endpoints.value.filter((e) => e.id === named) : endpoints.value
  const associations = await Promise.all(chosen.map((e) => aws.describeClientVpnTargetNetworks(e.id, call)))
  const denied = associations.find((a) => !a.ok)
  if (denied && !denied.ok) return { failure: denied }
  const listed = chosen.map((endpoint, i) => {
    const result = associations[i]
    return { endpoint, associations: result?.ok ? result.value : [] }
  })
  const subnetIds = [...new Set(listed.flatMap((e) => e.associations.filter((a) => !GONE.has(a.status)).map((a) => a.subnetId)))]
  const subnets = subnetIds.length ? await aws.describeSubnets({ ids: subnetIds }, call) : undefined
  if (subnets && !subnets.ok) return { failure: subnets }
  return { endpoints: listed, subnets: subnets?.ok ? subnets.value : [] }
}

function remoteVpcOf(p: PeeringInfo, clusterVpcId: string): string {
  return p.requester.vpcId === clusterVpcId ? p.accepter.vpcId : p.requester.vpcId
}

/**
 * The endpoints that reach the cluster VPC. `routed`: the networks the endpoint subnets send to a
 * transit or virtual private gateway (source-cidr's tgw and vgw sources).
 */
export function reachingEndpoints(
  topology: ClientVpnTopology,
  o: { clusterVpcId: string; peerings: PeeringInfo[]; routed: SourceNetwork[]; named?: string },
): ClientVpnReach[] {
  // An active peering speaks for a VPC before a dead one.
  const peerings = [...o.peerings].sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active'))
  const peeringTo = (vpcId: string) => peerings.find((p) => remoteVpcOf(p, o.clusterVpcId) === vpcId)
  const connectionOf = (vpcId: string, cidr: string | undefined): string | undefined =>
    vpcId === o.clusterVpcId ? undefined : (peeringTo(vpcId)?.id ?? (cidr ? o.routed.find((s) => cidrCovers(s.cidr, cidr))?.connectionId : undefined))
  const connected = (vpcId: string, cidr?: string) => vpcId === o.clusterVpcId || Boolean(connectionOf(vpcId, cidr))
  const where = (vpcId: string, cidr?: string) => (vpcId === o.clusterVpcId ? `the cluster VPC ${vpcId}` : `${vpcId}, connected to the cluster VPC by ${connectionOf(vpcId, cidr)}`)
  const reaches: ClientVpnReach[] = []
  for (const { endpoint, associations } of topology.endpoints) {
    const withSubnets = associations.map((a) => {
      const subnet = topology.subnets.find((s) => s.id === a.subnetId)
      const connectionId = connectionOf(a.vpcId, subnet?.cidr)
      return { ...a, ...(subnet ? { cidr: subnet.cidr, ...(subnet.az ? { az: subnet.az } : {}) } : {}), ...(connectionId ? { connectionId } : {}) }
    })
    const live = withSubnets.find((a) => !GONE.has(a.status) && connected(a.vpcId, a.cidr))
    const how =
      o.named === endpoint.id
        ? 'named with --client-vpn-endpoint'
        : live
          ? `its association ${live.id} is in ${where(live.vpcId, live.cidr)}`
          : endpoint.vpcId && connected(endpoint.vpcId)
            ? `it was made in ${where(endpoint.vpcId)}`
            : undefined
    if (how) reaches.push({ endpoint, associations: withSubnets, how })
  }
  return reaches
}

/** The source each live, connected association gives: its subnet's CIDR, with the endpoint's groups. */
export function clientVpnSources(reaches: ClientVpnReach[], clusterVpcId: string): SourceNetwork[] {
  return reaches.flatMap(({ endpoint, associations }) =>
    associations
      .filter((a) => a.cidr && !GONE.has(a.status) && (a.vpcId === clusterVpcId || a.connectionId))
      .map((a) => ({
        cidr: a.cidr as string,
        via: 'client-vpn' as const,
        ...(a.connectionId ? { connectionId: a.connectionId } : {}),
        ...(a.vpcId !== clusterVpcId ? { remoteVpcId: a.vpcId } : {}),
        why: `the subnet ${a.subnetId} associated with the Client VPN endpoint ${endpoint.id} (${a.status}): Client VPN sends its clients' traffic from its network interface there`,
        groupIds: a.securityGroupIds.length ? a.securityGroupIds : endpoint.securityGroupIds,
        subnetId: a.subnetId,
      })),
  )
}
