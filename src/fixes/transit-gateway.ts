/** Exact AWS CLI commands and Terraform for the links of a Transit Gateway path, from evidence. */
import type { Fix } from '../engine/types.js'
import { hcl, resource, slug, type HclLine } from './hcl.js'

/** The VPC behind an attachment, and the subnets it has (or should have) in it. */
export interface TgwVpcSide {
  vpcId: string
  /** One subnet per Availability Zone the attachment must reach. */
  subnetIds: string[]
  /** Which side of the path, for the sentences: "the cluster VPC", "the VPN VPC". */
  side: string
}

const attachmentResource = (name: string, tgwId: string | { ref: string }, v: TgwVpcSide, comment?: string) =>
  resource('aws_ec2_transit_gateway_vpc_attachment', name, [
    ...(comment ? [{ comment }] : []),
    ['transit_gateway_id', tgwId] as const,
    ['vpc_id', v.vpcId] as const,
    ['subnet_ids', v.subnetIds] as const,
  ] satisfies HclLine[])

/**
 * Attach a VPC to the transit gateway: it is not attached, or its attachment is past saving
 * (rejected, failed, deleted). `pendingAcceptance`: the TGW owner accepts it instead.
 */
export function buildTgwAttachmentFix(o: { tgwId: string; vpc: TgwVpcSide; region: string; attachmentId?: string; state?: string }): Fix {
  if (o.attachmentId && o.state === 'pendingAcceptance') {
    return {
      category: 'routing',
      title: `Accept the attachment ${o.attachmentId} of ${o.vpc.vpcId} to ${o.tgwId}`,
      why: `The attachment of ${o.vpc.side} ${o.vpc.vpcId} waits for the transit gateway's owner to accept it; until then nothing crosses it. Run this in the account that owns ${o.tgwId}.`,
      commands: [`aws ec2 accept-transit-gateway-vpc-attachment --transit-gateway-attachment-id ${o.attachmentId} --region ${o.region}`],
      terraform: hcl(resource('aws_ec2_transit_gateway_vpc_attachment_accepter', slug(o.attachmentId), [['transit_gateway_attachment_id', o.attachmentId]])),
    }
  }
  if (o.attachmentId && o.state && ['pending', 'initiating', 'initiatingRequest', 'modifying', 'rollingBack'].includes(o.state)) {
    return {
      category: 'routing',
      title: `Wait for the attachment ${o.attachmentId} to become available`,
      why: `The attachment of ${o.vpc.side} ${o.vpc.vpcId} to ${o.tgwId} is ${o.state}; it carries traffic once it is available (a few minutes).`,
      commands: [`aws ec2 describe-transit-gateway-attachments --transit-gateway-attachment-ids ${o.attachmentId} --query 'TransitGatewayAttachments[0].State' --output text --region ${o.region}`],
    }
  }
  const old = o.attachmentId ? `its attachment ${o.attachmentId} is ${o.state ?? 'gone'}` : 'it has no attachment'
  return {
    category: 'routing',
    title: `Attach ${o.vpc.side} ${o.vpc.vpcId} to ${o.tgwId}`,
    why: `${o.tgwId} is where the route tables send the traffic, but ${old}, so the transit gateway has no way into ${o.vpc.vpcId}. The attachment needs a subnet in every Availability Zone it must reach.`,
    commands: [`aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${o.tgwId} --vpc-id ${o.vpc.vpcId} --subnet-ids ${o.vpc.subnetIds.join(' ')} --region ${o.region}`],
    terraform: hcl(attachmentResource(slug(`${o.vpc.vpcId}_to_${o.tgwId}`), o.tgwId, o.vpc)),
  }
}

/** Give an attachment a subnet in an Availability Zone it lacks, where an endpoint ENI (or the VPN router) is. */
export function buildTgwSubnetFix(o: { attachmentId: string; tgwId: string; vpc: TgwVpcSide; add: { subnetId: string; az: string; ips: string[] }[]; region: string }): Fix {
  const zones = o.add.map((a) => a.az).join(', ')
  const ips = o.add.flatMap((a) => a.ips)
  return {
    category: 'routing',
    title: `Add ${o.add.map((a) => a.subnetId).join(', ')} (${zones}) to the attachment ${o.attachmentId}`,
    why: `${o.attachmentId} of ${o.vpc.side} ${o.vpc.vpcId} has no subnet in ${zones}; a transit gateway reaches only the Availability Zones its attachment has a subnet in, so ${ips.join(', ')} cannot be reached across ${o.tgwId}.`,
    commands: [`aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id ${o.attachmentId} --add-subnet-ids ${o.add.map((a) => a.subnetId).join(' ')} --region ${o.region}`],
    terraform: hcl(
      attachmentResource(
        slug(o.attachmentId),
        o.tgwId,
        { ...o.vpc, subnetIds: [...o.vpc.subnetIds, ...o.add.map((a) => a.subnetId)] },
        `the existing attachment ${o.attachmentId}, with a subnet in ${zones}`,
      ),
    ),
  }
}

/**
 * A TGW route table's route to the other side. `create`: none covers it; `replace`: a static one
 * goes to a blackhole or elsewhere; `delete`: a static blackhole hides the propagated route.
 */
export function buildTgwRouteFix(o: { routeTableId: string; destination: string; attachmentId: string; region: string; mode: 'create' | 'replace' | 'delete'; side: string }): Fix {
  const base = `--transit-gateway-route-table-id ${o.routeTableId} --destination-cidr-block ${o.destination}`
  if (o.mode === 'delete') {
    return {
      category: 'routing',
      title: `Remove the blackhole route to ${o.destination} from ${o.routeTableId}`,
      why: `A static blackhole route to ${o.destination} in ${o.routeTableId} (${o.side}) overrides the route ${o.attachmentId} propagates there; without it the propagated route carries the traffic.`,
      commands: [`aws ec2 delete-transit-gateway-route ${base} --region ${o.region}`],
    }
  }
  return {
    category: 'routing',
    title: `${o.mode === 'create' ? 'Add' : 'Repair'} the route to ${o.destination} in the TGW route table ${o.routeTableId}`,
    why:
      o.mode === 'create'
        ? `${o.routeTableId} (${o.side}) has no route to ${o.destination}, nothing propagated and nothing static, so the transit gateway drops the packets instead of sending them to ${o.attachmentId}.`
        : `${o.routeTableId} (${o.side}) sends ${o.destination} into a blackhole or to the wrong attachment: point it at ${o.attachmentId}.`,
    commands: [`aws ec2 ${o.mode}-transit-gateway-route ${base} --transit-gateway-attachment-id ${o.attachmentId} --region ${o.region}`],
    terraform: hcl(
      resource('aws_ec2_transit_gateway_route', slug(`${o.routeTableId}_${o.destination}`), [
        ['transit_gateway_route_table_id', o.routeTableId],
        ['destination_cidr_block', o.destination],
        ['transit_gateway_attachment_id', o.attachmentId],
      ]),
    ),
  }
}

/** Let an attachment propagate its CIDRs into a TGW route table (the way the table gets its other routes). */
export function buildTgwPropagationFix(o: { routeTableId: string; attachmentId: string; destination: string; region: string; side: string }): Fix {
  return {
    category: 'routing',
    title: `Propagate ${o.attachmentId} into the TGW route table ${o.routeTableId}`,
    why: `${o.routeTableId} (${o.side}) has no route to ${o.destination}: ${o.attachmentId}, which holds it, does not propagate there, and no static route covers it. With propagation on, the route follows the attachment's CIDRs.`,
    commands: [`aws ec2 enable-transit-gateway-route-table-propagation --transit-gateway-route-table-id ${o.routeTableId} --transit-gateway-attachment-id ${o.attachmentId} --region ${o.region}`],
    terraform: hcl(
      resource('aws_ec2_transit_gateway_route_table_propagation', slug(`${o.attachmentId}_to_${o.routeTableId}`), [
        ['transit_gateway_attachment_id', o.attachmentId],
        ['transit_gateway_route_table_id', o.routeTableId],
      ]),
    ),
  }
}

/** Associate an attachment with a TGW route table: without one, what enters the TGW through it is dropped. */
export function buildTgwAssociationFix(o: { routeTableId: string; attachmentId: string; region: string; side: string }): Fix {
  return {
    category: 'routing',
    title: `Associate ${o.attachmentId} with the TGW route table ${o.routeTableId}`,
    why: `${o.attachmentId} (${o.side}) is associated with no TGW route table, so the transit gateway has no routes for the packets that enter through it.`,
    commands: [`aws ec2 associate-transit-gateway-route-table --transit-gateway-route-table-id ${o.routeTableId} --transit-gateway-attachment-id ${o.attachmentId} --region ${o.region}`],
    terraform: hcl(
      resource('aws_ec2_transit_gateway_route_table_association', slug(`${o.attachmentId}_to_${o.routeTableId}`), [
        ['transit_gateway_attachment_id', o.attachmentId],
        ['transit_gateway_route_table_id', o.routeTableId],
      ]),
    ),
  }
}

/**
 * A transit gateway that is not available: wait while it is pending; when it is gone, a new one
 * (tagged, so the later commands find it), the VPCs attached to it, and the routes pointed at it.
 */
export function buildTgwReplaceFix(o: {
  tgwId: string
  state: string
  name: string
  vpcs: TgwVpcSide[]
  /** The route tables that send the path to the old gateway, and the CIDR each sends. */
  routes: { routeTableId: string; destination: string }[]
  region: string
}): Fix {
  if (o.state === 'pending') {
    return {
      category: 'routing',
      title: `Wait for ${o.tgwId} to become available`,
      why: `${o.tgwId} is still being created; it forwards once it is available (a few minutes).`,
      commands: [`aws ec2 describe-transit-gateways --transit-gateway-ids ${o.tgwId} --query 'TransitGateways[0].State' --output text --region ${o.region}`],
    }
  }
  const lookup = `"$(aws ec2 describe-transit-gateways --filters Name=tag:Name,Values=${o.name} Name=state,Values=available --query 'TransitGateways[0].TransitGatewayId' --output text --region ${o.region})"`
  return {
    category: 'routing',
    title: `Replace the transit gateway ${o.tgwId} (${o.state})`,
    why: `${o.tgwId} is ${o.state}: nothing crosses it, and the routes that point at it are blackholes. Create a transit gateway named ${o.name}; once it is available (a few minutes), attach the VPCs and point the routes at it. The VPN VPC's own routes to the cluster need the same change (network.vpn-route names them).`,
    commands: [
      `aws ec2 create-transit-gateway --description "${o.name}" --tag-specifications 'ResourceType=transit-gateway,Tags=[{Key=Name,Value=${o.name}}]' --region ${o.region}`,
      ...o.vpcs.map((v) => `aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${lookup} --vpc-id ${v.vpcId} --subnet-ids ${v.subnetIds.join(' ')} --region ${o.region}`),
      ...o.routes.map((r) => `aws ec2 replace-route --route-table-id ${r.routeTableId} --destination-cidr-block ${r.destination} --transit-gateway-id ${lookup} --region ${o.region}`),
    ],
    terraform: hcl(
      resource('aws_ec2_transit_gateway', slug(o.name), [
        ['description', o.name],
        ['tags', { ref: `{ Name = ${JSON.stringify(o.name)} }` }],
      ]),
      ...o.vpcs.map((v) => attachmentResource(slug(v.vpcId), { ref: `aws_ec2_transit_gateway.${slug(o.name)}.id` }, v)),
    ),
  }
}
