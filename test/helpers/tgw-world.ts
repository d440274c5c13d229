/**
 * A Transit Gateway world, built for real in moto through the real SDK: an EKS VPC (two endpoint
 * subnets in two zones, the endpoint ENIs `Amazon EKS <cluster>`, the cluster security group, a
 * custom NACL) and a VPN VPC (the Tailscale subnet router) joined by a transit gateway with a VPC
 * attachment each, the TGW route tables, and the VPC routes to the TGW both ways. Each fault
 * toggle breaks one link the way it breaks in real accounts.
 *
 * Two routings: 'shared' — the TGW's default route table, both attachments associated with it and
 * propagating into it; 'split' — no defaults, a route table per attachment, the EKS one learning
 * the VPN CIDR by propagation, the VPN one the EKS CIDR by a static route. 'split' also gives the
 * EKS attachment dedicated /28 subnets, as AWS recommends.
 *
 * What moto 5.2.1 does for these shapes (each seen by calling it; test/integration/transit-gateway.test.ts
 * keeps the claims honest):
 * - A new VPC attachment is `available` at once (no pending, no acceptance) and is associated with
 *   the gateway's default route table even when default association is off.
 *   DisassociateTransitGatewayRouteTable fails (HTTP 500) for an association it did not make
 *   through AssociateTransitGatewayRouteTable, which in turn accepts an attachment that is
 *   already associated (AWS refuses). Deleting it removes
 *   it from every listing (AWS keeps it `deleted` for a while). No call makes one unavailable.
 * - DescribeTransitGatewayAttachments' `Association` always names the route table of creation,
 *   even after DisassociateTransitGatewayRouteTable / AssociateTransitGatewayRouteTable; only
 *   GetTransitGatewayRouteTableAssociations follows them.
 * - Propagation is recorded (GetTransitGatewayRouteTablePropagations lists it) but never becomes
 *   a route: SearchTransitGatewayRoutes lists only static routes, and for those an empty
 *   `transitGatewayAttachments`. Its filters `type`, `state` and `route-search.exact-match` work;
 *   the others (longest-prefix-match, ...) are ignored. ReplaceTransitGatewayRoute and
 *   GetTransitGatewayAttachmentPropagations are not implemented (HTTP 500).
 * - DeleteTransitGateway succeeds while attachments exist (AWS refuses), and the gateway vanishes
 *   from DescribeTransitGateways; VPC routes to it keep its id and `State: active`. CreateRoute to a
 *   transit gateway id that does not exist is accepted and stores a route with no target.
 * - ModifyTransitGatewayVpcAttachment adds and removes subnets (one per zone is not enforced).
 */
import {
  AssociateDhcpOptionsCommand,
  AssociateRouteTableCommand,
  AssociateTransitGatewayRouteTableCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateDhcpOptionsCommand,
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTransitGatewayCommand,
  CreateTransitGatewayRouteCommand,
  CreateTransitGatewayRouteTableCommand,
  CreateTransitGatewayVpcAttachmentCommand,
  CreateVpcCommand,
  DeleteRouteCommand,
  DeleteTransitGatewayCommand,
  DeleteTransitGatewayRouteCommand,
  DeleteTransitGatewayVpcAttachmentCommand,
  DeleteVpcPeeringConnectionCommand,
  DescribeAvailabilityZonesCommand,
  DescribeNetworkAclsCommand,
  DescribeTransitGatewayRouteTablesCommand,
  DisableTransitGatewayRouteTablePropagationCommand,
  DisassociateTransitGatewayRouteTableCommand,
  EnableTransitGatewayRouteTablePropagationCommand,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ModifyTransitGatewayVpcAttachmentCommand,
  ModifyVpcAttributeCommand,
  ReplaceNetworkAclAssociationCommand,
  RunInstancesCommand,
  type EC2Client,
  type ResourceType,
} from '@aws-sdk/client-ec2'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { motoClients } from './aws-world.js'
import type { Moto } from './moto.js'

/** What to build: every address and name the world uses. */
export interface TgwWorldParams {
  region: string
  cluster: string
  eksVpcCidr: string
  /** The two endpoint subnets, in two zones. */
  eksSubnetCidrs: [string, string]
  /** The two endpoint ENI addresses, one in each endpoint subnet. */
  endpointIps: [string, string]
  /** 'split' only: the EKS attachment's own subnets, one per zone. */
  tgwSubnetCidrs?: [string, string]
  vpnVpcCidr: string
  vpnSubnetCidr: string
  vpnRouterIp: string
  routing: 'shared' | 'split'
}

/** Index of one of the two zones. */
export type ZoneIndex = 0 | 1

export interface TgwWorld {
  params: TgwWorldParams
  accountId: string
  availabilityZones: [string, string]
  eksVpcId: string
  vpnVpcId: string
  eksSubnetIds: [string, string]
  /** The subnets of the EKS attachment, one per zone: the endpoint subnets ('shared') or dedicated ones ('split'). */
  eksAttachmentSubnetIds: [string, string]
  vpnSubnetId: string
  eksRouteTableIds: [string, string]
  vpnRouteTableId: string
  clusterSgId: string
  naclId: string
  routerInstanceId: string
  endpointEniIds: [string, string]
  tgwId: string
  eksAttachmentId: string
  vpnAttachmentId: string
  /** The TGW route table each attachment is associated with (the same one when 'shared'). */
  eksTgwRouteTableId: string
  vpnTgwRouteTableId: string
  clusterVpcConfig: { vpcId: string; subnetIds: string[]; clusterSecurityGroupId: string; securityGroupIds: string[] }
  ec2: EC2Client

  /** Delete the route to the VPN CIDR from that endpoint subnet's route table. */
  removeEksRoute(i: ZoneIndex): Promise<void>
  /** Delete the route to the EKS CIDR from the VPN subnet's route table. */
  removeVpnRoute(): Promise<void>
  /** Take the EKS attachment's subnet in that zone away: that zone's endpoint ENI is out of reach. */
  dropAttachmentZone(i: ZoneIndex): Promise<void>
  /** Stop the VPN attachment propagating into the EKS attachment's TGW route table: no route back to the VPN. */
  disableVpnPropagation(): Promise<void>
  /** Take the VPN attachment's TGW route table's route to the EKS CIDR away (the static route, or the EKS attachment's propagation). */
  removeTgwRouteToEks(): Promise<void>
  /** A static blackhole for the EKS CIDR in the VPN attachment's TGW route table, in place of its route. */
  blackholeTgwRouteToEks(): Promise<void>
  /** Disassociate the VPN attachment from its TGW route table. */
  disassociateVpnAttachment(): Promise<void>
  deleteEksAttachment(): Promise<void>
  deleteVpnAttachment(): Promise<void>
  /** Delete the transit gateway itself (moto allows it with attachments in place). */
  deleteTransitGateway(): Promise<void>
}

function tagged(type: ResourceType, name: string) {
  return [{ ResourceType: type, Tags: [{ Key: 'Name', Value: name }] }]
}

function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`moto returned no ${what}`)
  return value
}

export async function buildTgwWorld(moto: Moto, p: TgwWorldParams): Promise<TgwWorld> {
  const { ec2, sts } = motoClients(moto, p.region)
  const c = p.cluster
  if (p.routing === 'split' && !p.tgwSubnetCidrs) throw new Error('buildTgwWorld: a split world needs tgwSubnetCidrs')
  const [identity, zones] = await Promise.all([
    sts.send(new GetCallerIdentityCommand({})),
    ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] })),
  ])
  const accountId = must(identity.Account, 'account id')
  const names = (zones.AvailabilityZones ?? []).map((z) => z.ZoneName).filter((z): z is string => Boolean(z)).sort()
  const azs: [string, string] = [must(names[0], 'zone'), must(names[1], 'second zone')]

  const [eksVpc, vpnVpc] = await Promise.all([
    ec2.send(new CreateVpcCommand({ CidrBlock: p.eksVpcCidr, TagSpecifications: tagged('vpc', `${c}-eks-vpc`) })),
    ec2.send(new CreateVpcCommand({ CidrBlock: p.vpnVpcCidr, TagSpecifications: tagged('vpc', `${c}-vpn-vpc`) })),
  ])
  const eksVpcId = must(eksVpc.Vpc?.VpcId, 'EKS VPC id')
  const vpnVpcId = must(vpnVpc.Vpc?.VpcId, 'VPN VPC id')
  const dhcp = await ec2.send(
    new CreateDhcpOptionsCommand({
      DhcpConfigurations: [
        { Key: 'domain-name', Values: [p.region === 'us-east-1' ? 'ec2.internal' : `${p.region}.compute.internal`] },
        { Key: 'domain-name-servers', Values: ['AmazonProvidedDNS'] },
      ],
    }),
  )
  const DhcpOptionsId = must(dhcp.DhcpOptions?.DhcpOptionsId, 'DHCP options id')
  await Promise.all(
    [eksVpcId, vpnVpcId].flatMap((VpcId) => [
      ec2.send(new ModifyVpcAttributeCommand({ VpcId, EnableDnsSupport: { Value: true } })),
      ec2.send(new ModifyVpcAttributeCommand({ VpcId, EnableDnsHostnames: { Value: true } })),
      ec2.send(new AssociateDhcpOptionsCommand({ VpcId, DhcpOptionsId })),
    ]),
  )

  const subnet = async (VpcId: string, CidrBlock: string, AvailabilityZone: string, name: string) =>
    must((await ec2.send(new CreateSubnetCommand({ VpcId, CidrBlock, AvailabilityZone, TagSpecifications: tagged('subnet', name) }))).Subnet?.SubnetId, 'subnet id')
  const [e0, e1, vpnSubnetId, t0, t1] = await Promise.all([
    subnet(eksVpcId, p.eksSubnetCidrs[0], azs[0], `${c}-eks-private-${azs[0]}`),
    subnet(eksVpcId, p.eksSubnetCidrs[1], azs[1], `${c}-eks-private-${azs[1]}`),
    subnet(vpnVpcId, p.vpnSubnetCidr, azs[0], `${c}-vpn-public-${azs[0]}`),
    ...(p.tgwSubnetCidrs ? p.tgwSubnetCidrs.map((cidr, i) => subnet(eksVpcId, cidr, azs[i] as string, `${c}-eks-tgw-${azs[i]}`)) : []),
  ])
  const eksSubnetIds: [string, string] = [e0, e1]
  const eksAttachmentSubnetIds: [string, string] = t0 && t1 ? [t0, t1] : eksSubnetIds

  // The transit gateway and its two VPC attachments.
  const split = p.routing === 'split'
  const tgw = await ec2.send(
    new CreateTransitGatewayCommand({
      Description: `${c} VPN to EKS`,
      Options: split ? { DefaultRouteTableAssociation: 'disable', DefaultRouteTablePropagation: 'disable' } : {},
      TagSpecifications: tagged('transit-gateway', `${c}-tgw`),
    }),
  )
  const tgwId = must(tgw.TransitGateway?.TransitGatewayId, 'TGW id')
  const attach = async (VpcId: string, SubnetIds: string[], name: string) =>
    must(
      (await ec2.send(new CreateTransitGatewayVpcAttachmentCommand({ TransitGatewayId: tgwId, VpcId, SubnetIds, TagSpecifications: tagged('transit-gateway-attachment', name) })))
        .TransitGatewayVpcAttachment?.TransitGatewayAttachmentId,
      'attachment id',
    )
  const [eksAttachmentId, vpnAttachmentId] = await Promise.all([attach(eksVpcId, [...eksAttachmentSubnetIds], `${c}-eks`), attach(vpnVpcId, [vpnSubnetId], `${c}-vpn`)])
  const tables = await ec2.send(new DescribeTransitGatewayRouteTablesCommand({ Filters: [{ Name: 'transit-gateway-id', Values: [tgwId] }] }))
  const defaultTableId = must(tables.TransitGatewayRouteTables?.[0]?.TransitGatewayRouteTableId, 'default TGW route table')
  let eksTgwRouteTableId = defaultTableId
  let vpnTgwRouteTableId = defaultTableId
  if (split) {
    const table = async (name: string) =>
      must((await ec2.send(new CreateTransitGatewayRouteTableCommand({ TransitGatewayId: tgwId, TagSpecifications: tagged('transit-gateway-route-table', name) }))).TransitGatewayRouteTable?.TransitGatewayRouteTableId, 'TGW route table id')
    ;[eksTgwRouteTableId, vpnTgwRouteTableId] = await Promise.all([table(`${c}-eks`), table(`${c}-vpn`)])
    // moto associates every new attachment with the default table (AWS, with default association off,
    // with none), and can disassociate only what AssociateTransitGatewayRouteTable associated: so
    // associate first, then leave the default table (AWS wants the other order).
    for (const [TransitGatewayAttachmentId, TransitGatewayRouteTableId] of [
      [eksAttachmentId, eksTgwRouteTableId],
      [vpnAttachmentId, vpnTgwRouteTableId],
    ] as const) {
      await ec2.send(new AssociateTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId, TransitGatewayAttachmentId }))
      await ec2.send(new DisassociateTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: defaultTableId, TransitGatewayAttachmentId }))
    }
    await ec2.send(new EnableTransitGatewayRouteTablePropagationCommand({ TransitGatewayRouteTableId: eksTgwRouteTableId, TransitGatewayAttachmentId: vpnAttachmentId }))
    await ec2.send(new CreateTransitGatewayRouteCommand({ TransitGatewayRouteTableId: vpnTgwRouteTableId, DestinationCidrBlock: p.eksVpcCidr, TransitGatewayAttachmentId: eksAttachmentId }))
  } else {
    // Default propagation is on; AWS would propagate both on its own, moto records nothing until asked.
    for (const TransitGatewayAttachmentId of [eksAttachmentId, vpnAttachmentId]) {
      await ec2.send(new EnableTransitGatewayRouteTablePropagationCommand({ TransitGatewayRouteTableId: defaultTableId, TransitGatewayAttachmentId }))
    }
  }

  // The VPC route tables: each endpoint subnet's and the VPN subnet's, routing the other side to the TGW.
  const routeTable = async (VpcId: string, SubnetId: string, to: string, name: string) => {
    const RouteTableId = must((await ec2.send(new CreateRouteTableCommand({ VpcId, TagSpecifications: tagged('route-table', name) }))).RouteTable?.RouteTableId, 'route table id')
    await ec2.send(new AssociateRouteTableCommand({ RouteTableId, SubnetId }))
    await ec2.send(new CreateRouteCommand({ RouteTableId, DestinationCidrBlock: to, TransitGatewayId: tgwId }))
    return RouteTableId
  }
  const [r0, r1, vpnRouteTableId] = await Promise.all([
    routeTable(eksVpcId, e0, p.vpnVpcCidr, `${c}-eks-private-${azs[0]}`),
    routeTable(eksVpcId, e1, p.vpnVpcCidr, `${c}-eks-private-${azs[1]}`),
    routeTable(vpnVpcId, vpnSubnetId, p.eksVpcCidr, `${c}-vpn-public`),
  ])
  const eksRouteTableIds: [string, string] = [r0, r1]

  // The cluster security group (443 from the VPN VPC) and a NACL that lets it through.
  const sg = await ec2.send(new CreateSecurityGroupCommand({ VpcId: eksVpcId, GroupName: `eks-cluster-sg-${c}`, Description: 'EKS created security group', TagSpecifications: tagged('security-group', `eks-cluster-sg-${c}`) }))
  const clusterSgId = must(sg.GroupId, 'cluster SG id')
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: clusterSgId,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: p.vpnVpcCidr, Description: 'VPN VPC to the EKS API' }] },
        { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: clusterSgId }] },
      ],
    }),
  )
  const nacl = await ec2.send(new CreateNetworkAclCommand({ VpcId: eksVpcId, TagSpecifications: tagged('network-acl', `${c}-eks-private`) }))
  const naclId = must(nacl.NetworkAcl?.NetworkAclId, 'NACL id')
  const entry = (RuleNumber: number, Egress: boolean, Protocol: string, RuleAction: 'allow' | 'deny', CidrBlock: string, from?: number, to?: number) =>
    ec2.send(new CreateNetworkAclEntryCommand({ NetworkAclId: naclId, RuleNumber, Egress, Protocol, RuleAction, CidrBlock, ...(from === undefined ? {} : { PortRange: { From: from, To: to } }) }))
  await Promise.all([
    entry(100, false, '6', 'allow', p.vpnVpcCidr, 443, 443),
    entry(100, true, '6', 'allow', p.vpnVpcCidr, 1024, 65535),
    entry(32767, false, '-1', 'deny', '0.0.0.0/0'),
    entry(32767, true, '-1', 'deny', '0.0.0.0/0'),
  ])
  const defaults = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: eksSubnetIds }] }))
  const associations = (defaults.NetworkAcls ?? []).flatMap((n) => n.Associations ?? []).filter((a) => eksSubnetIds.includes(a.SubnetId ?? ''))
  await Promise.all(associations.map((a) => ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: a.NetworkAclAssociationId, NetworkAclId: naclId }))))

  // The Tailscale subnet router (source/dest check off) and the endpoint ENIs.
  const [router, enis] = await Promise.all([
    ec2.send(new RunInstancesCommand({ ImageId: 'ami-0c55b159cbfafe1f0', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SubnetId: vpnSubnetId, PrivateIpAddress: p.vpnRouterIp, TagSpecifications: tagged('instance', `${c}-tailscale-router`) })),
    Promise.all(eksSubnetIds.map((SubnetId, i) => ec2.send(new CreateNetworkInterfaceCommand({ SubnetId, PrivateIpAddress: p.endpointIps[i], Description: `Amazon EKS ${c}`, Groups: [clusterSgId] })))),
  ])
  const instance = must(router.Instances?.[0], 'router instance')
  const routerInstanceId = must(instance.InstanceId, 'router instance id')
  await Promise.all([
    ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: routerInstanceId, SourceDestCheck: { Value: false } })),
    ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: must(instance.NetworkInterfaces?.[0]?.NetworkInterfaceId, 'router ENI'), SourceDestCheck: { Value: false } })),
  ])
  const endpointEniIds: [string, string] = [must(enis[0]?.NetworkInterface?.NetworkInterfaceId, 'ENI id'), must(enis[1]?.NetworkInterface?.NetworkInterfaceId, 'ENI id')]

  return {
    params: p,
    accountId,
    availabilityZones: azs,
    eksVpcId,
    vpnVpcId,
    eksSubnetIds,
    eksAttachmentSubnetIds,
    vpnSubnetId,
    eksRouteTableIds,
    vpnRouteTableId,
    clusterSgId,
    naclId,
    routerInstanceId,
    endpointEniIds,
    tgwId,
    eksAttachmentId,
    vpnAttachmentId,
    eksTgwRouteTableId,
    vpnTgwRouteTableId,
    clusterVpcConfig: { vpcId: eksVpcId, subnetIds: [...eksSubnetIds], clusterSecurityGroupId: clusterSgId, securityGroupIds: [] },
    ec2,

    async removeEksRoute(i) {
      await ec2.send(new DeleteRouteCommand({ RouteTableId: eksRouteTableIds[i], DestinationCidrBlock: p.vpnVpcCidr }))
    },
    async removeVpnRoute() {
      await ec2.send(new DeleteRouteCommand({ RouteTableId: vpnRouteTableId, DestinationCidrBlock: p.eksVpcCidr }))
    },
    async dropAttachmentZone(i) {
      await ec2.send(new ModifyTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: eksAttachmentId, RemoveSubnetIds: [eksAttachmentSubnetIds[i]] }))
    },
    async disableVpnPropagation() {
      await ec2.send(new DisableTransitGatewayRouteTablePropagationCommand({ TransitGatewayRouteTableId: eksTgwRouteTableId, TransitGatewayAttachmentId: vpnAttachmentId }))
    },
    async removeTgwRouteToEks() {
      if (split) await ec2.send(new DeleteTransitGatewayRouteCommand({ TransitGatewayRouteTableId: vpnTgwRouteTableId, DestinationCidrBlock: p.eksVpcCidr }))
      else await ec2.send(new DisableTransitGatewayRouteTablePropagationCommand({ TransitGatewayRouteTableId: vpnTgwRouteTableId, TransitGatewayAttachmentId: eksAttachmentId }))
    },
    async blackholeTgwRouteToEks() {
      if (split) await ec2.send(new DeleteTransitGatewayRouteCommand({ TransitGatewayRouteTableId: vpnTgwRouteTableId, DestinationCidrBlock: p.eksVpcCidr }))
      await ec2.send(new CreateTransitGatewayRouteCommand({ TransitGatewayRouteTableId: vpnTgwRouteTableId, DestinationCidrBlock: p.eksVpcCidr, Blackhole: true }))
    },
    async disassociateVpnAttachment() {
      // moto disassociates only what it associated through the API: associate again (a no-op), then disassociate.
      const link = { TransitGatewayRouteTableId: vpnTgwRouteTableId, TransitGatewayAttachmentId: vpnAttachmentId }
      await ec2.send(new AssociateTransitGatewayRouteTableCommand(link))
      await ec2.send(new DisassociateTransitGatewayRouteTableCommand(link))
    },
    async deleteEksAttachment() {
      await ec2.send(new DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: eksAttachmentId }))
    },
    async deleteVpnAttachment() {
      await ec2.send(new DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: vpnAttachmentId }))
    },
    async deleteTransitGateway() {
      await ec2.send(new DeleteTransitGatewayCommand({ TransitGatewayId: tgwId }))
    },
  }
}

/** A transit gateway that joins the two VPCs of an aws-world.ts world in place of its peering. */
export interface TgwLink {
  tgwId: string
  eksAttachmentId: string
  vpnAttachmentId: string
  /** The gateway's default route table: both attachments are associated with it and propagate into it. */
  routeTableId: string
}

/**
 * Joins the VPCs of a peered world (test/helpers/aws-world.ts) by a transit gateway, as a team
 * that moved off peering has them: a gateway with default association and propagation, a VPC
 * attachment each (the EKS one in both endpoint subnets, one per zone), every VPC route that named
 * the peering pointed at the gateway, and the peering deleted.
 */
export async function joinByTransitGateway(w: { ec2: EC2Client; params: { cluster: string; eksVpcCidr: string; vpnVpcCidr: string }; eksVpcId: string; vpnVpcId: string; eksSubnetIds: [string, string]; vpnSubnetId: string; eksRouteTableIds: [string, string]; vpnRouteTableId: string; peeringId: string }): Promise<TgwLink> {
  const { ec2, params: p } = w
  const c = p.cluster
  const tgw = await ec2.send(new CreateTransitGatewayCommand({ Description: `${c} VPN to EKS`, TagSpecifications: tagged('transit-gateway', `${c}-tgw`) }))
  const tgwId = must(tgw.TransitGateway?.TransitGatewayId, 'TGW id')
  const attach = async (VpcId: string, SubnetIds: string[], name: string) =>
    must(
      (await ec2.send(new CreateTransitGatewayVpcAttachmentCommand({ TransitGatewayId: tgwId, VpcId, SubnetIds, TagSpecifications: tagged('transit-gateway-attachment', name) })))
        .TransitGatewayVpcAttachment?.TransitGatewayAttachmentId,
      'attachment id',
    )
  const [eksAttachmentId, vpnAttachmentId] = await Promise.all([attach(w.eksVpcId, [...w.eksSubnetIds], `${c}-eks`), attach(w.vpnVpcId, [w.vpnSubnetId], `${c}-vpn`)])
  const tables = await ec2.send(new DescribeTransitGatewayRouteTablesCommand({ Filters: [{ Name: 'transit-gateway-id', Values: [tgwId] }] }))
  const routeTableId = must(tables.TransitGatewayRouteTables?.[0]?.TransitGatewayRouteTableId, 'default TGW route table')
  // Default propagation is on; AWS would propagate both on its own, moto records nothing until asked.
  for (const TransitGatewayAttachmentId of [eksAttachmentId, vpnAttachmentId]) {
    await ec2.send(new EnableTransitGatewayRouteTablePropagationCommand({ TransitGatewayRouteTableId: routeTableId, TransitGatewayAttachmentId }))
  }
  const routes = [...w.eksRouteTableIds.map((RouteTableId) => ({ RouteTableId, DestinationCidrBlock: p.vpnVpcCidr })), { RouteTableId: w.vpnRouteTableId, DestinationCidrBlock: p.eksVpcCidr }]
  for (const route of routes) {
    await ec2.send(new DeleteRouteCommand(route))
    await ec2.send(new CreateRouteCommand({ ...route, TransitGatewayId: tgwId }))
  }
  await ec2.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: w.peeringId }))
  return { tgwId, eksAttachmentId, vpnAttachmentId, routeTableId }
}
