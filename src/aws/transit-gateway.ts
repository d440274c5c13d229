/**
 * The EC2 reads behind a Transit Gateway path: the gateways, their attachments (and the subnets
 * of their VPC attachments), their route tables with associations, propagations and routes, each
 * normalised into a small plain shape (subnets and their zones: describeSubnets in client-vpn.ts).
 * Every listing is followed to its last page; SearchTransitGatewayRoutes has no pages and says
 * when it held back.
 * Every read filters rather than names ids: a filter that matches nothing answers an empty list,
 * where a named id that is gone fails the whole call.
 */
import type { AwsCallOptions, AwsPlumbing, AwsResult } from './call.js'
import { ec2Reader } from './ec2.js'
import { bool, child, items, present, text, type XmlElement } from './xml.js'

export interface TransitGatewayInfo {
  id: string
  /** pending | available | modifying | deleting | deleted */
  state: string
  ownerId?: string
  /** The route table new attachments are associated with, when default association is on. */
  associationDefaultRouteTableId?: string
  /** The route table new attachments propagate to, when default propagation is on. */
  propagationDefaultRouteTableId?: string
  name?: string
}

export interface TgwAttachmentInfo {
  id: string
  transitGatewayId: string
  /** vpc | vpn | direct-connect-gateway | connect | peering | tgw-peering | ... */
  resourceType: string
  resourceId: string
  resourceOwnerId?: string
  /** initiating | pendingAcceptance | pending | available | modifying | deleting | deleted | failed | rejected ... */
  state: string
  /** The route table it is associated with, as the attachment itself says. */
  association?: { routeTableId: string; state: string }
}

export interface TgwVpcAttachmentInfo {
  id: string
  transitGatewayId: string
  vpcId: string
  state: string
  subnetIds: string[]
}

export interface TgwRouteTableInfo {
  id: string
  transitGatewayId: string
  state: string
  defaultAssociation: boolean
  defaultPropagation: boolean
}

export interface TgwRouteInfo {
  destination: string
  prefixListId?: string
  /** static | propagated */
  type: string
  /** active | blackhole | pending | deleting | deleted */
  state: string
  /** Where it sends traffic; empty for a blackhole (and, in moto, for every static route). */
  attachments: { id: string; resourceId?: string; resourceType?: string }[]
}

/** An attachment's association with, or propagation into, a TGW route table. */
export interface TgwTableLink {
  attachmentId: string
  resourceId?: string
  resourceType?: string
  /** associated | associating | disassociating ...; enabled | enabling | disabled ... */
  state: string
}

export interface TransitGatewayCalls {
  describeTransitGateways(ids: string[], o: AwsCallOptions): Promise<AwsResult<TransitGatewayInfo[]>>
  /** The attachments of some transit gateways, or those of some resources (a VPC's). */
  describeTransitGatewayAttachments(by: { transitGatewayIds?: string[]; resourceIds?: string[] }, o: AwsCallOptions): Promise<AwsResult<TgwAttachmentInfo[]>>
  describeTransitGatewayVpcAttachments(ids: string[], o: AwsCallOptions): Promise<AwsResult<TgwVpcAttachmentInfo[]>>
  describeTransitGatewayRouteTables(transitGatewayIds: string[], o: AwsCallOptions): Promise<AwsResult<TgwRouteTableInfo[]>>
  /** The active and blackhole routes of one TGW route table, static and propagated. */
  searchTransitGatewayRoutes(routeTableId: string, o: AwsCallOptions): Promise<AwsResult<TgwRouteInfo[]>>
  getTransitGatewayRouteTableAssociations(routeTableId: string, o: AwsCallOptions): Promise<AwsResult<TgwTableLink[]>>
  getTransitGatewayRouteTablePropagations(routeTableId: string, o: AwsCallOptions): Promise<AwsResult<TgwTableLink[]>>
}


function linkOf(x: XmlElement): TgwTableLink {
  return { attachmentId: text(x, 'transitGatewayAttachmentId') ?? '', resourceId: text(x, 'resourceId'), resourceType: text(x, 'resourceType'), state: text(x, 'state') ?? 'unknown' }
}

export function createTransitGatewayCalls(aws: AwsPlumbing): TransitGatewayCalls {
  // One Query client per region, profile and connect bound, as src/aws/ec2.ts keeps its own.
  const { client: ec2, pages } = ec2Reader(aws)
  const filter = (Name: string, values: string[]) => ({ Name, Value: values })

  return {
    describeTransitGateways: (ids, o) =>
      aws.call('ec2:DescribeTransitGateways', o, async (signal, mark) => {
        const xml = await pages(o, 'DescribeTransitGateways', { Filter: [filter('transit-gateway-id', ids)] }, signal, mark)
        return xml
          .flatMap((page) => items(page, 'transitGatewaySet'))
          .map((g) => {
            const options = child(g, 'options')
            const on = (name: string) => text(options, name) === 'enable'
            return {
              id: text(g, 'transitGatewayId') ?? '',
              state: text(g, 'state') ?? 'unknown',
              ownerId: text(g, 'ownerId'),
              associationDefaultRouteTableId: on('defaultRouteTableAssociation') ? text(options, 'associationDefaultRouteTableId') : undefined,
              propagationDefaultRouteTableId: on('defaultRouteTablePropagation') ? text(options, 'propagationDefaultRouteTableId') : undefined,
              name: text(items(g, 'tagSet').find((t) => text(t, 'key') === 'Name'), 'value'),
            }
          })
          .filter((g) => ids.includes(g.id))
      }),

    describeTransitGatewayAttachments: (by, o) =>
      aws.call('ec2:DescribeTransitGatewayAttachments', o, async (signal, mark) => {
        const filters = [
          ...(by.transitGatewayIds ? [filter('transit-gateway-id', by.transitGatewayIds)] : []),
          ...(by.resourceIds ? [filter('resource-id', by.resourceIds)] : []),
        ]
        const xml = await pages(o, 'DescribeTransitGatewayAttachments', { Filter: filters }, signal, mark)
        return xml
          .flatMap((page) => items(page, 'transitGatewayAttachments'))
          .map((a) => {
            const association = child(a, 'association')
            const routeTableId = text(association, 'transitGatewayRouteTableId')
            return {
              id: text(a, 'transitGatewayAttachmentId') ?? '',
              transitGatewayId: text(a, 'transitGatewayId') ?? '',
              resourceType: text(a, 'resourceType') ?? 'unknown',
              resourceId: text(a, 'resourceId') ?? '',
              resourceOwnerId: text(a, 'resourceOwnerId'),
              state: text(a, 'state') ?? 'unknown',
              ...(routeTableId ? { association: { routeTableId, state: text(association, 'state') ?? 'unknown' } } : {}),
            }
          })
          .filter((a) => (!by.transitGatewayIds || by.transitGatewayIds.includes(a.transitGatewayId)) && (!by.resourceIds || by.resourceIds.includes(a.resourceId)))
      }),

    describeTransitGatewayVpcAttachments: (ids, o) =>
      aws.call('ec2:DescribeTransitGatewayVpcAttachments', o, async (signal, mark) => {
        const xml = await pages(o, 'DescribeTransitGatewayVpcAttachments', { Filter: [filter('transit-gateway-attachment-id', ids)] }, signal, mark)
        return xml
          .flatMap((page) => items(page, 'transitGatewayVpcAttachments'))
          .map((a) => ({
            id: text(a, 'transitGatewayAttachmentId') ?? '',
            transitGatewayId: text(a, 'transitGatewayId') ?? '',
            vpcId: text(a, 'vpcId') ?? '',
            state: text(a, 'state') ?? 'unknown',
            subnetIds: present(items(a, 'subnetIds').map((s) => s.text.trim())),
          }))
          .filter((a) => ids.includes(a.id))
      }),

    describeTransitGatewayRouteTables: (transitGatewayIds, o) =>
      aws.call('ec2:DescribeTransitGatewayRouteTables', o, async (signal, mark) => {
        const xml = await pages(o, 'DescribeTransitGatewayRouteTables', { Filter: [filter('transit-gateway-id', transitGatewayIds)] }, signal, mark)
        return xml
          .flatMap((page) => items(page, 'transitGatewayRouteTables'))
          .map((t) => ({
            id: text(t, 'transitGatewayRouteTableId') ?? '',
            transitGatewayId: text(t, 'transitGatewayId') ?? '',
            state: text(t, 'state') ?? 'unknown',
            defaultAssociation: bool(t, 'defaultAssociationRouteTable') ?? false,
            defaultPropagation: bool(t, 'defaultPropagationRouteTable') ?? false,
          }))
          .filter((t) => transitGatewayIds.includes(t.transitGatewayId))
      }),

    searchTransitGatewayRoutes: (routeTableId, o) =>
      aws.call('ec2:SearchTransitGatewayRoutes', o, async (signal, mark) => {
        const client = await ec2(o)
        // No MaxResults: AWS answers up to its maximum (1000) without it, and moto fails (HTTP 500) with it.
        const xml = await client.call('SearchTransitGatewayRoutes', { TransitGatewayRouteTableId: routeTableId, Filter: [filter('state', ['active', 'blackhole'])] }, signal)
        if (bool(xml, 'additionalRoutesAvailable')) mark.truncated()
        return items(xml, 'routeSet').map((r) => ({
          destination: text(r, 'destinationCidrBlock') ?? text(r, 'prefixListId') ?? '',
          prefixListId: text(r, 'prefixListId'),
          type: text(r, 'type') ?? 'unknown',
          state: text(r, 'state') ?? 'unknown',
          attachments: items(r, 'transitGatewayAttachments').map((a) => ({
            id: text(a, 'transitGatewayAttachmentId') ?? '',
            resourceId: text(a, 'resourceId'),
            resourceType: text(a, 'resourceType'),
          })),
        }))
      }),

    getTransitGatewayRouteTableAssociations: (routeTableId, o) =>
      aws.call('ec2:GetTransitGatewayRouteTableAssociations', o, async (signal, mark) => {
        const xml = await pages(o, 'GetTransitGatewayRouteTableAssociations', { TransitGatewayRouteTableId: routeTableId }, signal, mark)
        return xml.flatMap((page) => items(page, 'associations')).map(linkOf)
      }),

    getTransitGatewayRouteTablePropagations: (routeTableId, o) =>
      aws.call('ec2:GetTransitGatewayRouteTablePropagations', o, async (signal, mark) => {
        const xml = await pages(o, 'GetTransitGatewayRouteTablePropagations', { TransitGatewayRouteTableId: routeTableId }, signal, mark)
        return xml.flatMap((page) => items(page, 'transitGatewayRouteTablePropagations')).map(linkOf)
      }),
  }
}
