/**
 * The EC2 reads behind an AWS Client VPN path: the endpoints of a region, each endpoint's target
 * network associations, authorization rules and routes, and the subnets of the associations;
 * each normalised into a small plain shape. Through the same Query client and page collection as
 * ec2.ts: every Describe* call is followed to its last page and bounded (call.ts).
 */
import type { AwsCallOptions, AwsPlumbing, AwsResult } from './call.js'
import { ec2Reader } from './ec2.js'
import { bool, child, int, items, present, text, type XmlElement } from './xml.js'

/** A Client VPN endpoint (ClientVpnEndpoint). */
export interface ClientVpnEndpointInfo {
  id: string
  /** pending-associate | available | deleting | deleted */
  status: string
  statusMessage?: string
  description?: string
  /** Its Name tag. */
  name?: string
  /** Where the clients' own addresses come from (never what the cluster sees: the endpoint translates them). */
  clientCidrBlock?: string
  /** With split tunnel on, the client gets only the endpoint's routes; off, every route goes through the tunnel. */
  splitTunnel: boolean
  /** The VPC of its security groups; every associated subnet is in it. */
  vpcId?: string
  securityGroupIds: string[]
  dnsServers: string[]
  /** certificate-authentication, directory-service-authentication, federated-authentication. */
  authentication: string[]
  transportProtocol?: string
  vpnPort?: number
  dnsName?: string
}

/** A target network association (TargetNetwork): the subnet whose network interface carries the clients' traffic. */
export interface ClientVpnAssociationInfo {
  id: string
  endpointId: string
  subnetId: string
  vpcId: string
  /** associating | associated | association-failed | disassociating | disassociated */
  status: string
  statusMessage?: string
  securityGroupIds: string[]
}

/** An authorization rule: which clients may reach a destination CIDR. */
export interface ClientVpnRuleInfo {
  destinationCidr: string
  /** The rule admits every client. */
  accessAll: boolean
  /** The Active Directory or IdP group it admits (when not all). */
  groupId?: string
  /** authorizing | active | failed | revoking */
  status: string
  statusMessage?: string
  description?: string
}

/** A route of the endpoint's route table. */
export interface ClientVpnRouteInfo {
  destinationCidr: string
  targetSubnet?: string
  transitGatewayAttachmentId?: string
  type?: string
  /** associate (added by the association) | add-route (CreateClientVpnRoute) */
  origin?: string
  /** creating | active | failed | deleting */
  status: string
  statusMessage?: string
  description?: string
}

export interface SubnetInfo {
  id: string
  vpcId: string
  cidr: string
  az?: string
}

export interface ClientVpnCalls {
  /** The endpoints of the region, or the ones named. */
  describeClientVpnEndpoints(by: { ids?: string[] }, o: AwsCallOptions): Promise<AwsResult<ClientVpnEndpointInfo[]>>
  describeClientVpnTargetNetworks(endpointId: string, o: AwsCallOptions): Promise<AwsResult<ClientVpnAssociationInfo[]>>
  describeClientVpnAuthorizationRules(endpointId: string, o: AwsCallOptions): Promise<AwsResult<ClientVpnRuleInfo[]>>
  describeClientVpnRoutes(endpointId: string, o: AwsCallOptions): Promise<AwsResult<ClientVpnRouteInfo[]>>
  /** Subnets by id, or every subnet of a VPC: the CIDR an association's traffic comes from. */
  describeSubnets(by: { ids?: string[]; vpcId?: string }, o: AwsCallOptions): Promise<AwsResult<SubnetInfo[]>>
}

const values = (el: XmlElement | undefined, name: string): string[] => present(items(el, name).map((i) => i.text.trim()))

function endpointOf(e: XmlElement): ClientVpnEndpointInfo {
  return {
    id: text(e, 'clientVpnEndpointId') ?? '',
    status: text(child(e, 'status'), 'code') ?? 'unknown',
    statusMessage: text(child(e, 'status'), 'message') || undefined,
    description: text(e, 'description') || undefined,
    name: text(items(e, 'tagSet').find((t) => text(t, 'key') === 'Name'), 'value'),
    clientCidrBlock: text(e, 'clientCidrBlock'),
    splitTunnel: bool(e, 'splitTunnel') ?? false,
    vpcId: text(e, 'vpcId'),
    securityGroupIds: values(e, 'securityGroupIdSet'),
    dnsServers: values(e, 'dnsServer'),
    authentication: present(items(e, 'authenticationOptions').map((a) => text(a, 'type'))),
    transportProtocol: text(e, 'transportProtocol'),
    vpnPort: int(e, 'vpnPort'),
    dnsName: text(e, 'dnsName'),
  }
}

export function createClientVpnCalls(aws: AwsPlumbing): ClientVpnCalls {
  const { pages } = ec2Reader(aws)

  return {
    describeClientVpnEndpoints: (by, o) =>
      aws.call('ec2:DescribeClientVpnEndpoints', o, async (signal, mark) => {
        const found = await pages(o, 'DescribeClientVpnEndpoints', by.ids?.length ? { ClientVpnEndpointId: by.ids } : {}, signal, mark, 'clientVpnEndpoint')
        return found.map(endpointOf)
      }),

    describeClientVpnTargetNetworks: (endpointId, o) =>
      aws.call('ec2:DescribeClientVpnTargetNetworks', o, async (signal, mark) => {
        const found = await pages(o, 'DescribeClientVpnTargetNetworks', { ClientVpnEndpointId: endpointId }, signal, mark, 'clientVpnTargetNetworks')
        return found.map((t) => ({
          id: text(t, 'associationId') ?? '',
          endpointId: text(t, 'clientVpnEndpointId') ?? endpointId,
          subnetId: text(t, 'targetNetworkId') ?? '',
          vpcId: text(t, 'vpcId') ?? '',
          status: text(child(t, 'status'), 'code') ?? 'unknown',
          statusMessage: text(child(t, 'status'), 'message') || undefined,
          securityGroupIds: values(t, 'securityGroups'),
        }))
      }),

    describeClientVpnAuthorizationRules: (endpointId, o) =>
      aws.call('ec2:DescribeClientVpnAuthorizationRules', o, async (signal, mark) => {
        const found = await pages(o, 'DescribeClientVpnAuthorizationRules', { ClientVpnEndpointId: endpointId }, signal, mark, 'authorizationRule')
        return found.map((r) => ({
          destinationCidr: text(r, 'destinationCidr') ?? '',
          accessAll: bool(r, 'accessAll') ?? false,
          groupId: text(r, 'groupId') || undefined,
          status: text(child(r, 'status'), 'code') ?? 'unknown',
          statusMessage: text(child(r, 'status'), 'message') || undefined,
          description: text(r, 'description') || undefined,
        }))
      }),

    describeClientVpnRoutes: (endpointId, o) =>
      aws.call('ec2:DescribeClientVpnRoutes', o, async (signal, mark) => {
        const found = await pages(o, 'DescribeClientVpnRoutes', { ClientVpnEndpointId: endpointId }, signal, mark, 'routes')
        return found.map((r) => ({
          destinationCidr: text(r, 'destinationCidr') ?? '',
          targetSubnet: text(r, 'targetSubnet') || undefined,
          transitGatewayAttachmentId: text(r, 'transitGatewayAttachmentId') || undefined,
          type: text(r, 'type'),
          origin: text(r, 'origin'),
          status: text(child(r, 'status'), 'code') ?? 'unknown',
          statusMessage: text(child(r, 'status'), 'message') || undefined,
          description: text(r, 'description') || undefined,
        }))
      }),

    describeSubnets: (by, o) =>
      aws.call('ec2:DescribeSubnets', o, async (signal, mark) => {
        if (by.ids?.length === 0) return []
        const input = by.ids ? { SubnetId: by.ids } : { Filter: [{ Name: 'vpc-id', Value: [by.vpcId ?? ''] }] }
        const found = await pages(o, 'DescribeSubnets', input, signal, mark, 'subnetSet')
        // Filter again here: emulators do not always apply every filter.
        return found
          .map((s) => ({ id: text(s, 'subnetId') ?? '', vpcId: text(s, 'vpcId') ?? '', cidr: text(s, 'cidrBlock') ?? '', az: text(s, 'availabilityZone') }))
          .filter((s) => (by.ids ? by.ids.includes(s.id) : s.vpcId === by.vpcId))
      }),
  }
}
