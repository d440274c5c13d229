/** What the AWS-side network checks share: call options, skips, when to read AWS, how to refine. */
import type { InstanceInfo, PeeringInfo, RouteInfo, RouteTableInfo } from '../../aws/ec2.js'
import type { ProbeContext, ProbeId, ProbeOutcome } from '../../engine/types.js'
import { isPublicAddress } from '../../platform/cidr.js'

const TCP = 'network.tcp-connect' as const satisfies ProbeId
const DROPPED = new Set(['TCP_TIMEOUT', 'TCP_PARTIAL'])

/** The AWS path is read when a dropped SYN to a private endpoint IP needs explaining, and always in the audit. */
export function awsPathGate(ctx: Pick<ProbeContext<never, 'network.tcp-connect'>, 'options' | 'result' | 'get'>): true | string {
  if (ctx.options.mode === 'audit') return true
  const tcp = ctx.result(TCP)
  if (!tcp || tcp.status === 'skip') return 'TCP was not tried: the AWS path is read only to explain a dropped connection'
  if (tcp.status === 'pass') return 'TCP reaches every endpoint IP: the AWS path needs no reading'
  if (!DROPPED.has(tcp.code ?? '')) return `TCP failed with ${tcp.code}, which no AWS rule explains (they drop silently)`
  const dropped = (ctx.get(TCP) ?? []).filter((r) => !r.ok)
  if (dropped.length > 0 && dropped.every((r) => isPublicAddress(r.ip))) {
    return 'the connections that time out go to public addresses, not through the VPN: the VPN\'s AWS path is not theirs'
  }
  return true
}

/** A failure on the AWS side explains the TCP timeout it was read for; in the audit it stands alone. */
export function asCauseOfTimeout(ctx: Pick<ProbeContext, 'options'>): Pick<ProbeOutcome, 'refines' | 'confirmed'> {
  if (ctx.options.mode === 'audit') return { confirmed: true }
  return { refines: TCP, confirmed: true }
}

/** Where VPN traffic enters the cluster VPC from, and the route tables around it. */
export interface SourceNetwork {
  cidr: string
  via: 'flag' | 'peering' | 'tgw' | 'vgw' | 'route'
  connectionId?: string
  remoteVpcId?: string
  why: string
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
}

/** A route through a peering that is not active (or no longer listed) goes nowhere. */
export function deadPeeringTarget(path: AwsPath): (route: RouteInfo) => boolean {
  return (route) => {
    if (route.targetType !== 'pcx' || !path.peeringsReadable) return false
    const peering = path.peerings.find((p) => p.id === route.targetId)
    return !peering || peering.status !== 'active'
  }
}

/** The route table a subnet uses: its explicit association, else the VPC's main table. */
export function tableOf(tables: RouteTableInfo[], subnetId: string): RouteTableInfo | undefined {
  return tables.find((t) => t.subnetIds.includes(subnetId)) ?? tables.find((t) => t.main)
}
