/**
 * The transit gateways of the AWS path, read once by network.source-cidr: those the endpoint
 * subnets route to and those the cluster VPC is attached to, every attachment of theirs, and the
 * CIDRs of the VPCs attached. With them a source CIDR that a route sends to a TGW gets its VPC
 * (the VPN VPC, whose route tables and router the later checks read), and a cluster VPC that no
 * route connects to anything shows the networks its TGW would carry.
 */
import type { AwsCallOptions } from '../../aws/call.js'
import type { AwsClients } from '../../aws/clients.js'
import type { TgwAttachmentInfo } from '../../aws/transit-gateway.js'
import { cidrCovers } from '../../platform/cidr.js'
import type { EndpointSubnet, SourceNetwork, TgwView } from './aws-path.js'

/** Past this many VPCs, looking each up alone (after a joint DescribeVpcs failed) is not worth the calls. */
const MAX_SINGLE_VPC_READS = 20

export const unique = <T>(values: T[]): T[] => [...new Set(values)]

/**
 * The view, or undefined when no transit gateway is in play. `discover`: nothing else connects the
 * cluster VPC, so its own attachments are looked up even though no route names a TGW.
 */
export async function readTransitGateways(
  aws: Pick<AwsClients, 'describeTransitGatewayAttachments' | 'describeTransitGateways' | 'describeVpcs'>,
  call: AwsCallOptions,
  o: { clusterVpcId: string; endpointSubnets: EndpointSubnet[]; discover: boolean },
): Promise<TgwView | undefined> {
  const routed = unique(o.endpointSubnets.flatMap((s) => s.table?.routes ?? []).filter((r) => r.targetType === 'tgw').map((r) => r.targetId))
  if (routed.length === 0 && !o.discover) return undefined
  const own = await aws.describeTransitGatewayAttachments({ resourceIds: [o.clusterVpcId] }, call)
  const failures = own.ok ? [] : [own]
  const ids = unique([...routed, ...(own.ok ? own.value.map((a) => a.transitGatewayId) : [])])
  if (ids.length === 0) return routed.length ? { gateways: [], gatewaysRead: [], attachments: [], vpcCidrs: {}, failures } : undefined
  const [gateways, all] = await Promise.all([aws.describeTransitGateways(ids, call), aws.describeTransitGatewayAttachments({ transitGatewayIds: ids }, call)])
  if (!gateways.ok) failures.push(gateways)
  if (!all.ok) failures.push(all)
  const attachments: TgwAttachmentInfo[] = all.ok ? all.value : own.ok ? own.value : []
  const vpcIds = unique(attachments.filter((a) => a.resourceType === 'vpc' && a.resourceId !== o.clusterVpcId).map((a) => a.resourceId))
  const vpcCidrs: Record<string, string[]> = {}
  if (vpcIds.length) {
    const joint = await aws.describeVpcs(vpcIds, call)
    // One VPC of another account (or one just deleted) fails the joint call: each alone then.
    const found = joint.ok
      ? joint.value
      : vpcIds.length <= MAX_SINGLE_VPC_READS
        ? (await Promise.all(vpcIds.map((id) => aws.describeVpcs([id], call)))).flatMap((r) => (r.ok ? r.value : []))
        : []
    if (!joint.ok && found.length === 0) failures.push(joint)
    for (const vpc of found) vpcCidrs[vpc.id] = vpc.cidrs
  }
  return { gateways: gateways.ok ? gateways.value : [], gatewaysRead: gateways.ok ? ids : [], attachments, vpcCidrs, failures }
}

/** The VPC attachments of a TGW, other than the cluster VPC's, whose VPC's CIDRs overlap a CIDR. */
export function attachedVpcsFor(view: TgwView, tgwId: string, cidr: string, clusterVpcId: string): TgwAttachmentInfo[] {
  return view.attachments.filter(
    (a) => a.transitGatewayId === tgwId && a.resourceType === 'vpc' && a.resourceId !== clusterVpcId && (view.vpcCidrs[a.resourceId] ?? []).some((c) => cidrCovers(c, cidr) || cidrCovers(cidr, c)),
  )
}

/**
 * The sources with what the transit gateways tell: a CIDR routed to a TGW gets the VPC attached
 * to it that holds that CIDR; with no source at all, each VPC attached to a TGW the cluster VPC is
 * attached to is a candidate (no endpoint subnet routes it yet).
 */
export function withTransitGateways(sources: SourceNetwork[], view: TgwView | undefined, clusterVpcId: string): SourceNetwork[] {
  if (!view) return sources
  const enriched = sources.map((s) => {
    if (s.remoteVpcId || !s.connectionId?.startsWith('tgw-')) return s
    const vpcs = attachedVpcsFor(view, s.connectionId, s.cidr, clusterVpcId)
    const only = vpcs.length === 1 ? vpcs[0] : undefined
    return only ? { ...s, remoteVpcId: only.resourceId, why: `${s.why}; ${only.resourceId} holds it, attached to ${s.connectionId} (${only.id})` } : s
  })
  if (enriched.length > 0) return enriched
  const discovered: SourceNetwork[] = []
  for (const own of view.attachments.filter((a) => a.resourceId === clusterVpcId)) {
    for (const other of view.attachments.filter((a) => a.transitGatewayId === own.transitGatewayId && a.resourceType === 'vpc' && a.resourceId !== clusterVpcId)) {
      for (const cidr of view.vpcCidrs[other.resourceId] ?? []) {
        if (discovered.some((d) => d.cidr === cidr)) continue
        discovered.push({
          cidr,
          via: 'tgw',
          connectionId: own.transitGatewayId,
          remoteVpcId: other.resourceId,
          why: `${other.resourceId}, attached to ${own.transitGatewayId} (${other.id}) as the cluster VPC is (${own.id}); no endpoint subnet routes it there`,
        })
      }
    }
  }
  return discovered
}
