/**
 * An AWS Client VPN world: the VPC side built for real in moto through the SDK, the Client VPN
 * side (which moto does not emulate) held by the fake (client-vpn-fake.ts). Two shapes:
 * - 'hub': the endpoint is associated with two subnets of a shared VPN VPC, peered with the EKS
 *   VPC (routes both ways, DNS across on); the cluster security group admits the VPN VPC's CIDR;
 *   the endpoint routes the VPN VPC (added by the association) and the EKS VPC (added by hand).
 * - 'same-vpc': the endpoint is associated with two subnets of the EKS VPC itself; the cluster
 *   security group admits the endpoint's security group; the association's route covers the VPC.
 * Split tunnel is on, clients sign in through SAML, and one authorization rule admits the
 * operators' group to the EKS VPC. Each toggle breaks one link as it breaks in a real account.
 */
import {
  AcceptVpcPeeringConnectionCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  DescribeAvailabilityZonesCommand,
  DescribeRouteTablesCommand,
  ModifyVpcAttributeCommand,
  ModifyVpcPeeringConnectionOptionsCommand,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2'
import { motoClients } from './aws-world.js'
import type { FakeClientVpnEndpoint, ClientVpnFake } from './client-vpn-fake.js'
import type { Moto } from './moto.js'

export interface ClientVpnWorldParams {
  shape: 'hub' | 'same-vpc'
  region: string
  cluster: string
  eksVpcCidr: string
  eksSubnetCidrs: [string, string]
  endpointIps: [string, string]
  /** The VPN VPC of the hub shape. */
  hubVpcCidr?: string
  /** The two associated subnets: in the VPN VPC (hub) or in the EKS VPC (same-vpc). */
  associationCidrs: [string, string]
  clientCidr: string
  endpointId: string
  associationIds: [string, string]
  /** The operators' IdP group: the rule for the EKS VPC admits it. */
  groupId: string
  /** Another team's group. */
  otherGroupId: string
}

export interface ClientVpnWorld {
  params: ClientVpnWorldParams
  eksVpcId: string
  eksSubnetIds: [string, string]
  /** The VPN VPC (hub), else the EKS VPC. */
  associationVpcId: string
  associationSubnetIds: [string, string]
  peeringId?: string
  clusterSgId: string
  /** The Client VPN endpoint's security group, in the association VPC. */
  clientVpnSgId: string
  clusterVpcConfig: { vpcId: string; subnetIds: string[]; clusterSecurityGroupId: string; securityGroupIds: string[] }
  endpoint: FakeClientVpnEndpoint

  /** Disassociate both subnets: the routes through them go, and the endpoint waits for an association again. */
  removeAssociations(): void
  /** Both associations failed (the subnet had no free address). */
  failAssociations(): void
  /** Revoke the rule for the EKS VPC; the one for the VPN VPC (hub) or the client range stays. */
  removeEksRule(): void
  /** The rule for the EKS VPC admits another team's group only. */
  ruleForOtherGroup(): void
  /** Delete the routes to the EKS VPC (hub: the ones added by hand). */
  removeEksRoutes(): void
  /** Revoke the cluster security group's rule for the Client VPN traffic. */
  removeSgRule(): Promise<void>
  /** The endpoint is being deleted: its associations are going, their routes gone. */
  deleteEndpoint(): void
}

/** The VPC resolver: the base of the VPC's CIDR plus two. */
function vpcResolver(cidr: string): string {
  const octets = (cidr.split('/')[0] ?? '').split('.').map(Number)
  octets[3] = (octets[3] ?? 0) + 2
  return octets.join('.')
}

function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`moto returned no ${what}`)
  return value
}

export async function buildClientVpnWorld(moto: Moto, fake: ClientVpnFake, p: ClientVpnWorldParams): Promise<ClientVpnWorld> {
  if (p.shape === 'hub' && !p.hubVpcCidr) throw new Error('a hub world needs hubVpcCidr')
  const { ec2 } = motoClients(moto, p.region)
  const zones = await ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] }))
  const azs = (zones.AvailabilityZones ?? []).map((z) => z.ZoneName).filter((z): z is string => Boolean(z)).sort()
  if (azs.length < 2) throw new Error(`moto has fewer than two zones in ${p.region}`)

  const eksVpcId = must((await ec2.send(new CreateVpcCommand({ CidrBlock: p.eksVpcCidr }))).Vpc?.VpcId, 'EKS VPC')
  const hubVpcId = p.shape === 'hub' ? must((await ec2.send(new CreateVpcCommand({ CidrBlock: p.hubVpcCidr }))).Vpc?.VpcId, 'VPN VPC') : undefined
  const associationVpcId = hubVpcId ?? eksVpcId
  for (const VpcId of [eksVpcId, ...(hubVpcId ? [hubVpcId] : [])]) {
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId, EnableDnsSupport: { Value: true } }))
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId, EnableDnsHostnames: { Value: true } }))
  }
  const subnet = async (VpcId: string, CidrBlock: string, AvailabilityZone: string) =>
    must((await ec2.send(new CreateSubnetCommand({ VpcId, CidrBlock, AvailabilityZone }))).Subnet?.SubnetId, `subnet ${CidrBlock}`)
  const eksSubnetIds: [string, string] = [await subnet(eksVpcId, p.eksSubnetCidrs[0], azs[0]!), await subnet(eksVpcId, p.eksSubnetCidrs[1], azs[1]!)]
  const associationSubnetIds: [string, string] = [await subnet(associationVpcId, p.associationCidrs[0], azs[0]!), await subnet(associationVpcId, p.associationCidrs[1], azs[1]!)]

  let peeringId: string | undefined
  if (hubVpcId) {
    peeringId = must((await ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: eksVpcId, PeerVpcId: hubVpcId }))).VpcPeeringConnection?.VpcPeeringConnectionId, 'peering')
    await ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: peeringId }))
    const dnsOn = { AllowDnsResolutionFromRemoteVpc: true }
    await ec2.send(new ModifyVpcPeeringConnectionOptionsCommand({ VpcPeeringConnectionId: peeringId, RequesterPeeringConnectionOptions: dnsOn, AccepterPeeringConnectionOptions: dnsOn }))
    const mains = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [eksVpcId, hubVpcId] }, { Name: 'association.main', Values: ['true'] }] }))
    const mainOf = (vpcId: string) => must(mains.RouteTables?.find((t) => t.VpcId === vpcId)?.RouteTableId, `main table of ${vpcId}`)
    await ec2.send(new CreateRouteCommand({ RouteTableId: mainOf(eksVpcId), DestinationCidrBlock: p.hubVpcCidr, VpcPeeringConnectionId: peeringId }))
    await ec2.send(new CreateRouteCommand({ RouteTableId: mainOf(hubVpcId), DestinationCidrBlock: p.eksVpcCidr, VpcPeeringConnectionId: peeringId }))
  }

  const clusterSgId = must(
    (await ec2.send(new CreateSecurityGroupCommand({ VpcId: eksVpcId, GroupName: `eks-cluster-sg-${p.cluster}`, Description: 'EKS created security group applied to ENI that is attached to EKS Control Plane master nodes' })))
      .GroupId,
    'cluster SG',
  )
  const clientVpnSgId = must(
    (await ec2.send(new CreateSecurityGroupCommand({ VpcId: associationVpcId, GroupName: `${p.cluster}-client-vpn`, Description: 'Client VPN endpoint' }))).GroupId,
    'Client VPN SG',
  )
  // hub: the VPN VPC's CIDR, across the peering; same-vpc: the endpoint's own group.
  const vpnRule: IpPermission =
    p.shape === 'hub'
      ? { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: p.hubVpcCidr, Description: 'Client VPN hub' }] }
      : { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, UserIdGroupPairs: [{ GroupId: clientVpnSgId, Description: 'Client VPN' }] }
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: clusterSgId, IpPermissions: [vpnRule, { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: clusterSgId }] }] }))
  for (const [i, SubnetId] of eksSubnetIds.entries()) {
    await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId, PrivateIpAddress: p.endpointIps[i], Description: `Amazon EKS ${p.cluster}`, Groups: [clusterSgId] }))
  }

  const associations = () =>
    associationSubnetIds.map((subnetId, i) => ({ id: p.associationIds[i]!, subnetId, vpcId: associationVpcId, securityGroupIds: [clientVpnSgId] }))
  const associationVpcCidr = p.shape === 'hub' ? (p.hubVpcCidr as string) : p.eksVpcCidr
  const endpoint: FakeClientVpnEndpoint = {
    id: p.endpointId,
    region: p.region,
    description: `${p.cluster} operators`,
    name: `${p.cluster}-vpn`,
    clientCidrBlock: p.clientCidr,
    splitTunnel: true,
    vpcId: associationVpcId,
    securityGroupIds: [clientVpnSgId],
    dnsServers: [vpcResolver(associationVpcCidr)],
    serverCertificateArn: `arn:aws:acm:${p.region}:123456789012:certificate/0f2e4c1a-5b3d-4e6f-8a9b-${p.endpointId.slice(-12)}`,
    authentication: [{ type: 'federated-authentication', samlProviderArn: `arn:aws:iam::123456789012:saml-provider/${p.cluster}-idp` }],
    associations: associations(),
    rules: [{ destinationCidr: p.eksVpcCidr, groupId: p.groupId, description: 'EKS API for operators' }],
    routes: [
      // The association adds the route to its own VPC; a hub needs the EKS VPC's by hand.
      ...associationSubnetIds.map((targetSubnet) => ({ destinationCidr: associationVpcCidr, targetSubnet, origin: 'associate', description: 'Default Route' })),
      ...(p.shape === 'hub' ? associationSubnetIds.map((targetSubnet) => ({ destinationCidr: p.eksVpcCidr, targetSubnet, origin: 'add-route', description: 'EKS VPC' })) : []),
    ],
  }
  fake.endpoints.set(endpoint.id, endpoint)

  return {
    params: p,
    eksVpcId,
    eksSubnetIds,
    associationVpcId,
    associationSubnetIds,
    ...(peeringId ? { peeringId } : {}),
    clusterSgId,
    clientVpnSgId,
    clusterVpcConfig: { vpcId: eksVpcId, subnetIds: [...eksSubnetIds], clusterSecurityGroupId: clusterSgId, securityGroupIds: [] },
    endpoint,
    removeAssociations() {
      endpoint.associations = []
      endpoint.routes = []
      endpoint.status = 'pending-associate'
    },
    failAssociations() {
      endpoint.associations = associations().map((a) => ({ ...a, status: 'association-failed', statusMessage: 'There are not enough free IP addresses in the subnet' }))
    },
    removeEksRule() {
      endpoint.rules = p.shape === 'hub' ? [{ destinationCidr: p.hubVpcCidr as string, groupId: p.groupId, description: 'shared services' }] : [{ destinationCidr: p.clientCidr, accessAll: true, description: 'clients' }]
    },
    ruleForOtherGroup() {
      endpoint.rules = [{ destinationCidr: p.eksVpcCidr, groupId: p.otherGroupId, description: 'EKS API for another team' }]
    },
    removeEksRoutes() {
      endpoint.routes = endpoint.routes.filter((r) => r.destinationCidr !== p.eksVpcCidr)
    },
    async removeSgRule() {
      await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: clusterSgId, IpPermissions: [vpnRule] }))
    },
    deleteEndpoint() {
      endpoint.status = 'deleting'
      endpoint.associations = associations().map((a) => ({ ...a, status: 'disassociating' }))
      endpoint.routes = []
    },
  }
}
