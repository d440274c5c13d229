/** What the AWS-side network checks share: call options, skips, when to read AWS, how to refine. */
import type { AwsFailure } from '../../aws/call.js'
import type { ClientVpnAssociationInfo, ClientVpnEndpointInfo } from '../../aws/client-vpn.js'
import type { InstanceInfo, PeeringInfo, RouteInfo, RouteTableInfo } from '../../aws/ec2.js'
import type { TgwAttachmentInfo, TransitGatewayInfo } from '../../aws/transit-gateway.js'
import type { CheckResult, ProbeContext, ProbeId, ProbeOutcome } from '../../engine/types.js'
import { isPublicAddress } from '../../platform/cidr.js'

const TCP = 'network.tcp-connect' as const satisfies ProbeId
const ROUTE = 'routing.local-route' as const satisfies ProbeId
const DROPPED = new Set(['TCP_TIMEOUT', 'TCP_PARTIAL'])

/** What an AWS-path probe declares to start early on a dropped SYN and judge once TCP has ended. */
export const AWS_PATH_TRIGGER = { uses: [TCP, ROUTE], early: [TCP] } as const

type GateContext = Pick<ProbeContext<never, typeof TCP | typeof ROUTE>, 'options' | 'result' | 'get' | 'settled' | 'pending'>

function dropped(tcp: CheckResult | undefined): boolean {
  return tcp?.status === 'fail' && DROPPED.has(tcp.code ?? '')
}

/**
 * Whether the AWS path explains something: a dropped SYN to a private endpoint IP, or a
 * connection that could not be tried because the local route is broken (the AWS side may be
 * broken too); always in the audit. `tcp` undefined: TCP is not part of this run.
 */
function gateFor(ctx: GateContext, tcp: CheckResult | undefined, ifNoTcp: 'read' | 'skip'): true | string {
  if (ctx.options.mode === 'audit') return true
  const routeBroken = ctx.result(ROUTE)?.status === 'fail'
  if (!tcp) return ifNoTcp === 'read' ? true : 'TCP was not tried: the AWS path is read only to explain a dropped connection'
  if (tcp.status === 'pass') return 'TCP reaches every endpoint IP: the AWS path needs no reading'
  if (tcp.status === 'warn') return 'TCP reaches the endpoint over IPv4 (only IPv6 fails): the AWS path needs no reading'
  if (routeBroken) return true
  if (tcp.status === 'skip') return 'TCP was not tried: the AWS path is read only to explain a dropped connection'
  if (!dropped(tcp)) return `TCP failed with ${tcp.code}, which no AWS rule explains (they drop silently)`
  const lost = (ctx.get(TCP) ?? []).filter((r) => !r.ok)
  if (lost.length > 0 && lost.every((r) => isPublicAddress(r.ip))) {
    return 'the connections that time out go to public addresses, not through the VPN: the VPN\'s AWS path is not theirs'
  }
  return true
}

/** A failure on the AWS side explains the dropped SYN it was read for; in the audit, or beside a broken local route, it stands alone. */
function asCause<T>(ctx: GateContext, tcp: CheckResult | undefined, outcome: ProbeOutcome<T>): ProbeOutcome<T> {
  if (outcome.status !== 'fail') return outcome
  const { refines: _ignored, ...judged } = outcome
  const rest = { ...judged, confirmed: outcome.confirmed ?? true }
  if (ctx.options.mode === 'audit') return rest
  return tcp === undefined || dropped(tcp) ? { ...rest, refines: TCP } : rest
}

/**
 * Read the AWS side only when it explains something. A probe that starts early (while a SYN goes
 * unanswered) reads at once and judges when TCP has ended, so a dropped connection is explained
 * as soon as it times out. `ifNoTcp`: what to do when TCP is not part of the run.
 */
export async function whenAwsPathMatters<T>(
  ctx: GateContext,
  read: () => Promise<ProbeOutcome<T>>,
  o: { ifNoTcp: 'read' | 'skip'; passWithoutWaiting?: boolean },
): Promise<ProbeOutcome<T>> {
  if (!ctx.pending(TCP)) {
    const tcp = ctx.result(TCP)
    const gate = gateFor(ctx, tcp, o.ifNoTcp)
    return gate === true ? asCause(ctx, tcp, await read()) : { status: 'skip', detail: gate }
  }
  const outcome = await read()
  // What the later AWS checks build on may go to them at once; they wait for TCP themselves.
  if (o.passWithoutWaiting && outcome.status === 'pass') return outcome
  const tcp = await ctx.settled(TCP)
  const gate = gateFor(ctx, tcp, o.ifNoTcp)
  return gate === true ? asCause(ctx, tcp, outcome) : { status: 'skip', detail: gate }
}

/** Where VPN traffic enters the cluster VPC from, and the route tables around it. */
export interface SourceNetwork {
  cidr: string
  via: 'flag' | 'peering' | 'tgw' | 'vgw' | 'route' | 'client-vpn'
  connectionId?: string
  remoteVpcId?: string
  why: string
  /** The security groups the traffic carries (a Client VPN association's): a rule referencing one admits it. */
  groupIds?: string[]
  /** The subnet it leaves from toward the cluster (a Client VPN association's). */
  subnetId?: string
}

/** An AWS Client VPN endpoint that reaches the cluster VPC, its associations with their subnets' CIDRs, and how it was found. */
export interface ClientVpnReach {
  endpoint: ClientVpnEndpointInfo
  associations: (ClientVpnAssociationInfo & { cidr?: string; az?: string; connectionId?: string })[]
  how: string
}

/** The Client VPN endpoints source-cidr found for the cluster VPC, or why they could not be read. */
export interface ClientVpnView {
  endpoints: ClientVpnReach[]
  failure?: AwsFailure
  /** Why they were not read: the path is another VPN's. */
  unread?: string
}

export interface EndpointSubnet {
  subnetId: string
  ips: string[]
  table?: RouteTableInfo
}

export interface AwsPath {
  clusterVpcId: string
  clusterCidrs: string[]
  /** Endpoint IPs whose route matters; the ENIs' when known, else the cluster subnets. */
  endpointSubnets: EndpointSubnet[]
  peerings: PeeringInfo[]
  /** Whether the peerings could be read: only then is an unlisted peering known to be gone. */
  peeringsReadable: boolean
  sources: SourceNetwork[]
  router?: InstanceInfo & { how: string }
  clientVpn?: ClientVpnView
  /** The transit gateways the path names, when it names any (tgw-path.ts reads them). */
  transitGateways?: TgwView
}

/** The transit gateways of the endpoint subnets' routes and of the cluster VPC's attachments, and every attachment of theirs. */
export interface TgwView {
  gateways: TransitGatewayInfo[]
  /** The ids DescribeTransitGateways was asked about and answered for: of these, one not listed is gone. */
  gatewaysRead: string[]
  attachments: TgwAttachmentInfo[]
  /** The CIDRs of the attached VPCs, by VPC id, as far as DescribeVpcs answered. */
  vpcCidrs: Record<string, string[]>
  /** The reads that failed; without the attachments the TGW path is not judged. */
  failures: AwsFailure[]
}

/** A transit gateway that carries traffic: available, or being modified (it still forwards meanwhile). */
export const TGW_WORKING = new Set(['available', 'modifying'])

/** A route into a transit gateway that is not available (or no longer listed) goes nowhere. */
function deadTransitGateway(path: AwsPath, route: RouteInfo): boolean {
  const view = path.transitGateways
  if (route.targetType !== 'tgw' || !view?.gatewaysRead.includes(route.targetId)) return false
  const gateway = view.gateways.find((g) => g.id === route.targetId)
  return !gateway || !TGW_WORKING.has(gateway.state)
}

/** A route whose peering or transit gateway no longer carries traffic (AWS marks it blackhole only eventually). */
export function deadTarget(path: AwsPath): (route: RouteInfo) => boolean {
  const peering = deadPeeringTarget(path)
  return (route) => peering(route) || deadTransitGateway(path, route)
}

/**
 * What a route fix should send traffic to: the connection itself, or in place of a transit gateway
 * that is gone, the available one the cluster VPC is attached to; undefined when there is none
 * (the transit gateway check carries that fix).
 */
export function routeTargetFor(path: AwsPath, connectionId: string): string | undefined {
  if (!deadTransitGateway(path, { destination: '', targetType: 'tgw', targetId: connectionId, state: 'active' })) return connectionId
  const view = path.transitGateways
  const attached = view?.attachments.filter((a) => a.resourceId === path.clusterVpcId && a.transitGatewayId !== connectionId).map((a) => a.transitGatewayId) ?? []
  return view?.gateways.find((g) => attached.includes(g.id) && TGW_WORKING.has(g.state))?.id
}

/** A route through a peering that is not active (or no longer listed) goes nowhere. */
export function deadPeeringTarget(path: AwsPath): (route: RouteInfo) => boolean {
  return (route) => {
    if (route.targetType !== 'pcx' || !path.peeringsReadable) return false
    const peering = path.peerings.find((p) => p.id === route.targetId)
    return !peering || peering.status !== 'active'
  }
}

/** The VPCs of a peering that is known to be dead, to name the active one that replaces it. */
export function replacedPeering(path: AwsPath, connectionId: string | undefined): { requesterVpc: string; accepterVpc: string } | undefined {
  if (!connectionId?.startsWith('pcx-') || !path.peeringsReadable) return undefined
  const peering = path.peerings.find((p) => p.id === connectionId)
  if (peering?.status === 'active') return undefined
  const remote = path.sources.find((s) => s.connectionId === connectionId)?.remoteVpcId
  const requesterVpc = peering?.requester.vpcId ?? remote
  const accepterVpc = peering?.accepter.vpcId ?? path.clusterVpcId
  return requesterVpc && accepterVpc ? { requesterVpc, accepterVpc } : undefined
}

/** The route table a subnet uses: its explicit association, else the VPC's main table. */
export function tableOf(tables: RouteTableInfo[], subnetId: string): RouteTableInfo | undefined {
  return tables.find((t) => t.subnetIds.includes(subnetId)) ?? tables.find((t) => t.main)
}
