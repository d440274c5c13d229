/**
 * The AWS side of the test world, built for real in moto through the real SDK: an EKS VPC and a
 * VPN VPC joined by an accepted peering connection, the routes both ways, the cluster security
 * group, a custom NACL, the Tailscale subnet router instance, the two EKS endpoint ENIs and an
 * SSO-style IAM role. Each fault toggle breaks one link the way it breaks in real accounts.
 *
 * What moto 5.2.1 does for these shapes (each seen by calling it; test/integration/aws-world.test.ts
 * keeps the claims honest):
 * - Route `State` is always `active`: `Route.state` is a constant in moto. Deleting a route's ENI
 *   (DeleteNetworkInterface succeeds while a route uses it), terminating its instance or deleting
 *   its peering connection leaves `State: 'active'`. AWS would say `blackhole`. So
 *   `blackholeEksRoute` leaves the route pointing at an ENI that no longer exists
 *   (DescribeNetworkInterfaces → InvalidNetworkInterfaceID.NotFound), and its `State` stays
 *   `active`. The filter `route.state` is not implemented: moto answers HTTP 500 with an HTML page.
 * - Peering: Create answers `initiating-request`, and Describe then shows `pending-acceptance`.
 *   Accept gives `active`. Reject works only from `pending-acceptance`: on an active connection
 *   it fails with InvalidStateTransition. Delete works from `active` and leaves the connection
 *   listed with `deleted` ("Deleted by <account>").
 *   `expired` is never produced. DescribeVpcPeeringConnections IGNORES `Filters` and returns every
 *   connection in the region, so callers must pass `VpcPeeringConnectionIds`.
 *   ModifyVpcPeeringConnectionOptions stores AllowDnsResolutionFromRemoteVpc per side and
 *   Describe returns it in Requester/AccepterVpcInfo.PeeringOptions. moto accepts the call in any
 *   state, even `deleted`. CreateRoute to a deleted pcx is accepted too.
 * - Managed prefix lists: DescribeManagedPrefixLists lists the AWS-managed ones
 *   (com.amazonaws.<region>.s3, dynamodb, ...). CreateManagedPrefixList works and
 *   GetManagedPrefixListEntries returns the entries with their descriptions.
 * - DescribeVpcAttribute answers enableDnsSupport (default true) and enableDnsHostnames (default
 *   false for a new VPC), and ModifyVpcAttribute changes them.
 * - DHCP options: a new VPC has `DhcpOptionsId: 'default'`, and DescribeDhcpOptions on that id
 *   fails (InvalidDhcpOptionID.NotFound). So the world creates real `domain-name-servers:
 *   AmazonProvidedDNS` options and associates them with both VPCs.
 * - SourceDestCheck: ModifyInstanceAttribute changes `Instance.SourceDestCheck` in
 *   DescribeInstances (and DescribeInstanceAttribute), but not the primary ENI's
 *   `SourceDestCheck`, which is a separate flag in moto (one flag in AWS). The world and
 *   `enableSourceDestCheck` set both.
 * - ENI filter `description` matches the exact string (`Amazon EKS a` does not match
 *   `Amazon EKS a-2`), and `*` wildcards work. moto checks neither that a PrivateIpAddress is
 *   inside the subnet nor that it is unused. RunInstances with an IP outside the subnet gives HTTP
 *   500. So buildWorld checks the addresses itself.
 * - A custom NACL starts with NO entries. AWS shows the two `*` (32767) deny entries. moto
 *   accepts rule number 32767 (AWS rejects it over the API), so the world adds those two entries so
 *   that DescribeNetworkAcls looks like AWS.
 * - Every region has a default VPC 172.31.0.0/16 (IsDefault true) with its default NACL and
 *   main route table, as in AWS.
 * - sts:GetCallerIdentity returns account 123456789012 (moto's default) for any access key,
 *   with Arn `arn:aws:sts::123456789012:user/moto`.
 * - iam:GetRole returns `Path` and an Arn that includes the path. AssumeRolePolicyDocument comes
 *   back URL-encoded, as it does from AWS.
 * - The filter `association.subnet-id` on DescribeRouteTables returns only explicit associations.
 *   A subnet that uses the main table implicitly matches nothing, as in AWS.
 * - AMI ids are not checked. IAM is global in moto, as in AWS: role names must differ between two
 *   worlds that share one moto.
 */
import {
  AcceptVpcPeeringConnectionCommand,
  AssociateDhcpOptionsCommand,
  AssociateRouteTableCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateDhcpOptionsCommand,
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteNetworkInterfaceCommand,
  DeleteRouteCommand,
  DeleteVpcPeeringConnectionCommand,
  DescribeAvailabilityZonesCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ModifyVpcAttributeCommand,
  ModifyVpcPeeringConnectionOptionsCommand,
  ReplaceNetworkAclAssociationCommand,
  ReplaceRouteCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  type IpPermission,
  type ResourceType,
  type Tag,
} from '@aws-sdk/client-ec2'
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import type { FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types'
import { MOTO_ACCESS_KEY_ID, MOTO_SECRET_ACCESS_KEY, type Moto } from './moto.js'

/** What to build: every address and name the world uses. */
export interface WorldParams {
  region: string
  cluster: string
  eksVpcCidr: string
  eksSubnetCidrs: [string, string]
  vpnVpcCidr: string
  vpnSubnetCidr: string
  /** The two endpoint ENI addresses, one in each EKS subnet (same order). */
  endpointIps: [string, string]
  /** The Tailscale subnet router's private address, in the VPN subnet. */
  vpnRouterIp: string
  roleName: string
  /** e.g. '/aws-reserved/sso.amazonaws.com/eu-west-1/' */
  rolePath: string
}

/** Index of one of the two EKS subnets. */
export type SubnetIndex = 0 | 1

/** Every id of the built world, plus the fault toggles. */
export interface World {
  params: WorldParams
  region: string
  accountId: string
  availabilityZones: [string, string]
  eksVpcId: string
  vpnVpcId: string
  dhcpOptionsId: string
  eksSubnetIds: [string, string]
  vpnSubnetId: string
  /** Each EKS subnet's own route table, explicitly associated (same order as the subnets). */
  eksRouteTableIds: [string, string]
  vpnRouteTableId: string
  eksMainRouteTableId: string
  vpnMainRouteTableId: string
  /** Requester: the EKS VPC; accepter: the VPN VPC. */
  peeringId: string
  /** The EKS-created cluster security group: 443 from the VPN CIDR, all traffic from itself. */
  clusterSgId: string
  /** An "additional" security group on the endpoint ENIs: only tcp 22 from 10.255.0.0/16. */
  additionalSgId: string
  /** The custom NACL on both EKS subnets. */
  naclId: string
  routerInstanceId: string
  routerEniId: string
  /** The endpoint ENIs, `Amazon EKS <cluster>`, same order as the subnets. */
  endpointEniIds: [string, string]
  roleArn: string
  /** Spread into a FakeCluster for the fake EKS (test/helpers/fake-eks.ts). */
  clusterVpcConfig: { vpcId: string; subnetIds: string[]; clusterSecurityGroupId: string; securityGroupIds: string[] }
  /** The SDK client the world was built with (region and moto endpoint set). */
  ec2: EC2Client

  /** Revoke the cluster SG's ingress tcp 443 from the VPN CIDR. */
  removeSgRule(): Promise<void>
  /** Delete the route to the VPN CIDR from that EKS subnet's route table. */
  removeEksRoute(subnetIndex: SubnetIndex): Promise<void>
  /** Delete the route to the EKS CIDR from the VPN subnet's route table. */
  removeVpnReturnRoute(): Promise<void>
  /**
   * Point that subnet's route to the VPN CIDR at a new ENI, then delete the ENI. AWS shows the route
   * as `blackhole`. moto keeps `State: 'active'` with a NetworkInterfaceId that no longer
   * exists. Resolves to that dead ENI id.
   */
  blackholeEksRoute(subnetIndex: SubnetIndex): Promise<string>
  /** Delete the peering connection: it stays listed with status `deleted`, and the routes still name it. */
  deactivatePeering(): Promise<void>
  /** Add NACL rule 50: DENY tcp 443 in from the VPN CIDR, ahead of the allow at 100. */
  denyNacl(): Promise<void>
  /** Turn source/dest check back on for the router (instance attribute and primary ENI). */
  enableSourceDestCheck(): Promise<void>
  /** Turn AllowDnsResolutionFromRemoteVpc off on both sides of the peering connection. */
  disablePeeringDns(): Promise<void>
}

/** The SDK clients of one region, pointed at moto, with fake static credentials. */
export interface MotoClients {
  ec2: EC2Client
  sts: STSClient
  iam: IAMClient
}

/** Rule number of the NACL deny added by `denyNacl`. */
export const NACL_DENY_RULE = 50
/** Rule number of the NACL allows the world creates. */
export const NACL_ALLOW_RULE = 100
/** The unrelated CIDR of the additional security group's only rule. */
export const ADDITIONAL_SG_CIDR = '10.255.0.0/16'
/** Any AMI id: moto does not check them. */
const ROUTER_AMI = 'ami-0c55b159cbfafe1f0'

// Belt and braces: a request for any host other than moto's fails before it is sent.
function addMotoOnlyGuard<I extends object, O extends object>(stack: MiddlewareStack<I, O>, host: string): void {
  const guard: FinalizeRequestMiddleware<I, O> = (next) => async (args) => {
    const request = args.request as { hostname?: string }
    if (request.hostname !== host) throw new Error(`refusing to send an AWS request to ${request.hostname}: moto only`)
    return next(args)
  }
  stack.add(guard, { step: 'finalizeRequest', name: 'motoOnlyGuard' })
}

/** Build EC2, STS and IAM clients that can only ever talk to moto on loopback. */
export function motoClients(moto: Pick<Moto, 'url'>, region: string): MotoClients {
  // The SDK's notice about its own future Node support is noise in test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const config = {
    region,
    endpoint: moto.url,
    credentials: { accessKeyId: MOTO_ACCESS_KEY_ID, secretAccessKey: MOTO_SECRET_ACCESS_KEY },
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 15_000 },
  }
  const clients = { ec2: new EC2Client(config), sts: new STSClient(config), iam: new IAMClient(config) }
  const host = new URL(moto.url).hostname
  addMotoOnlyGuard(clients.ec2.middlewareStack, host)
  addMotoOnlyGuard(clients.sts.middlewareStack, host)
  addMotoOnlyGuard(clients.iam.middlewareStack, host)
  return clients
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`)
  return parts.reduce((n, p) => n * 256 + p, 0)
}

function cidrContains(cidr: string, ip: string): boolean {
  const [base, bits] = cidr.split('/')
  const size = 2 ** (32 - Number(bits))
  const start = Math.floor(ipToInt(base ?? '') / size) * size
  const n = ipToInt(ip)
  return n >= start && n < start + size
}

function cidrInside(outer: string, inner: string): boolean {
  const [base, bits] = inner.split('/')
  const last = ipToInt(base ?? '') + 2 ** (32 - Number(bits)) - 1
  return cidrContains(outer, base ?? '') && cidrContains(outer, [last >>> 24, (last >>> 16) & 255, (last >>> 8) & 255, last & 255].join('.'))
}

// moto checks none of this and would build a world that cannot exist in AWS.
function checkParams(p: WorldParams): void {
  const problems: string[] = []
  p.eksSubnetCidrs.forEach((c, i) => {
    if (!cidrInside(p.eksVpcCidr, c)) problems.push(`eksSubnetCidrs[${i}] ${c} is not inside ${p.eksVpcCidr}`)
    if (!cidrContains(c, p.endpointIps[i] ?? '')) problems.push(`endpointIps[${i}] ${p.endpointIps[i]} is not inside ${c}`)
  })
  if (!cidrInside(p.vpnVpcCidr, p.vpnSubnetCidr)) problems.push(`vpnSubnetCidr ${p.vpnSubnetCidr} is not inside ${p.vpnVpcCidr}`)
  if (!cidrContains(p.vpnSubnetCidr, p.vpnRouterIp)) problems.push(`vpnRouterIp ${p.vpnRouterIp} is not inside ${p.vpnSubnetCidr}`)
  if (cidrInside(p.eksVpcCidr, p.vpnVpcCidr) || cidrInside(p.vpnVpcCidr, p.eksVpcCidr)) problems.push('the two VPC CIDRs overlap: AWS cannot peer them')
  if (!p.rolePath.startsWith('/') || !p.rolePath.endsWith('/')) problems.push(`rolePath ${p.rolePath} must start and end with /`)
  if (problems.length) throw new Error(`buildWorld: ${problems.join('; ')}`)
}

function tagged(type: ResourceType, name: string, extra: Tag[] = []) {
  return [{ ResourceType: type, Tags: [{ Key: 'Name', Value: name }, ...extra] }]
}

function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`moto returned no ${what}`)
  return value
}

/** Build the world in moto (region p.region) and return every id plus the fault toggles. */
export async function buildWorld(moto: Moto, p: WorldParams): Promise<World> {
  checkParams(p)
  const { ec2, sts, iam } = motoClients(moto, p.region)
  const c = p.cluster

  const [identity, zones] = await Promise.all([
    sts.send(new GetCallerIdentityCommand({})),
    ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] })),
  ])
  const accountId = must(identity.Account, 'account id')
  const zoneNames = (zones.AvailabilityZones ?? []).map((z) => z.ZoneName).filter((z): z is string => !!z).sort()
  if (zoneNames.length < 2) throw new Error(`region ${p.region} has fewer than two availability zones in moto`)
  const azs: [string, string] = [zoneNames[0]!, zoneNames[1]!]

  const [eksVpc, vpnVpc] = await Promise.all([
    ec2.send(new CreateVpcCommand({ CidrBlock: p.eksVpcCidr, TagSpecifications: tagged('vpc', `${c}-eks-vpc`) })),
    ec2.send(new CreateVpcCommand({ CidrBlock: p.vpnVpcCidr, TagSpecifications: tagged('vpc', `${c}-vpn-vpc`) })),
  ])
  const eksVpcId = must(eksVpc.Vpc?.VpcId, 'EKS VPC id')
  const vpnVpcId = must(vpnVpc.Vpc?.VpcId, 'VPN VPC id')
  const vpcIds = [eksVpcId, vpnVpcId]

  // AWS takes one VPC attribute per ModifyVpcAttribute call. Remote-VPC DNS resolution needs both
  // attributes on in both VPCs.
  const domainName = p.region === 'us-east-1' ? 'ec2.internal' : `${p.region}.compute.internal`
  const [dhcp] = await Promise.all([
    ec2.send(
      new CreateDhcpOptionsCommand({
        DhcpConfigurations: [
          { Key: 'domain-name', Values: [domainName] },
          { Key: 'domain-name-servers', Values: ['AmazonProvidedDNS'] },
        ],
        TagSpecifications: tagged('dhcp-options', `${c}-dhcp`),
      }),
    ),
    Promise.all(
      vpcIds.flatMap((VpcId) => [
        ec2.send(new ModifyVpcAttributeCommand({ VpcId, EnableDnsSupport: { Value: true } })),
        ec2.send(new ModifyVpcAttributeCommand({ VpcId, EnableDnsHostnames: { Value: true } })),
      ]),
    ),
  ])
  const dhcpOptionsId = must(dhcp.DhcpOptions?.DhcpOptionsId, 'DHCP options id')

  const [eksSubnets, vpnSubnet, pcx] = await Promise.all([
    Promise.all(
      p.eksSubnetCidrs.map((CidrBlock, i) =>
        ec2.send(
          new CreateSubnetCommand({ VpcId: eksVpcId, CidrBlock, AvailabilityZone: azs[i], TagSpecifications: tagged('subnet', `${c}-eks-private-${azs[i]}`) }),
        ),
      ),
    ),
    ec2.send(new CreateSubnetCommand({ VpcId: vpnVpcId, CidrBlock: p.vpnSubnetCidr, AvailabilityZone: azs[0], TagSpecifications: tagged('subnet', `${c}-vpn-public-${azs[0]}`) })),
    ec2.send(
      new CreateVpcPeeringConnectionCommand({ VpcId: eksVpcId, PeerVpcId: vpnVpcId, TagSpecifications: tagged('vpc-peering-connection', `${c}-eks-to-vpn`) }),
    ),
    Promise.all(vpcIds.map((VpcId) => ec2.send(new AssociateDhcpOptionsCommand({ VpcId, DhcpOptionsId: dhcpOptionsId })))),
  ])
  const eksSubnetIds: [string, string] = [must(eksSubnets[0]?.Subnet?.SubnetId, 'subnet id'), must(eksSubnets[1]?.Subnet?.SubnetId, 'subnet id')]
  const vpnSubnetId = must(vpnSubnet.Subnet?.SubnetId, 'VPN subnet id')
  const peeringId = must(pcx.VpcPeeringConnection?.VpcPeeringConnectionId, 'peering id')

  await ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: peeringId }))
  const dnsOn = { AllowDnsResolutionFromRemoteVpc: true }
  await ec2.send(
    new ModifyVpcPeeringConnectionOptionsCommand({
      VpcPeeringConnectionId: peeringId,
      RequesterPeeringConnectionOptions: dnsOn,
      AccepterPeeringConnectionOptions: dnsOn,
    }),
  )

  // Route tables: one per subnet, explicitly associated; then the routes through the peering.
  const subnetTables = [
    { VpcId: eksVpcId, SubnetId: eksSubnetIds[0], name: `${c}-eks-private-${azs[0]}`, to: p.vpnVpcCidr },
    { VpcId: eksVpcId, SubnetId: eksSubnetIds[1], name: `${c}-eks-private-${azs[1]}`, to: p.vpnVpcCidr },
    { VpcId: vpnVpcId, SubnetId: vpnSubnetId, name: `${c}-vpn-public`, to: p.eksVpcCidr },
  ]
  const tableIds = await Promise.all(
    subnetTables.map(async (t) => {
      const table = await ec2.send(new CreateRouteTableCommand({ VpcId: t.VpcId, TagSpecifications: tagged('route-table', t.name) }))
      const RouteTableId = must(table.RouteTable?.RouteTableId, 'route table id')
      await ec2.send(new AssociateRouteTableCommand({ RouteTableId, SubnetId: t.SubnetId }))
      await ec2.send(new CreateRouteCommand({ RouteTableId, DestinationCidrBlock: t.to, VpcPeeringConnectionId: peeringId }))
      return RouteTableId
    }),
  )
  const eksRouteTableIds: [string, string] = [tableIds[0]!, tableIds[1]!]
  const vpnRouteTableId = tableIds[2]!
  const mains = await ec2.send(
    new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: vpcIds }, { Name: 'association.main', Values: ['true'] }] }),
  )
  const mainOf = (vpcId: string) => must(mains.RouteTables?.find((t) => t.VpcId === vpcId)?.RouteTableId, `main route table of ${vpcId}`)

  // Security groups: what EKS creates for the cluster, and an unrelated additional one.
  const sgSuffix = eksVpcId.slice(-6)
  const [clusterSg, additionalSg] = await Promise.all([
    ec2.send(
      new CreateSecurityGroupCommand({
        VpcId: eksVpcId,
        GroupName: `eks-cluster-sg-${c}-${sgSuffix}`,
        Description: 'EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads.',
        TagSpecifications: tagged('security-group', `eks-cluster-sg-${c}-${sgSuffix}`, [
          { Key: 'aws:eks:cluster-name', Value: c },
          { Key: `kubernetes.io/cluster/${c}`, Value: 'owned' },
        ]),
      }),
    ),
    ec2.send(
      new CreateSecurityGroupCommand({
        VpcId: eksVpcId,
        GroupName: `${c}-additional`,
        Description: `additional security group for ${c}`,
        TagSpecifications: tagged('security-group', `${c}-additional`),
      }),
    ),
  ])
  const clusterSgId = must(clusterSg.GroupId, 'cluster SG id')
  const additionalSgId = must(additionalSg.GroupId, 'additional SG id')
  const vpn443: IpPermission = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: p.vpnVpcCidr, Description: 'VPN VPC to the EKS API' }] }
  await Promise.all([
    ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: clusterSgId,
        // EKS always adds "all traffic from itself"; a probe must not mistake it for the VPN rule.
        IpPermissions: [vpn443, { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: clusterSgId }] }],
      }),
    ),
    ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: additionalSgId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: ADDITIONAL_SG_CIDR, Description: 'bastion' }] }],
      }),
    ),
  ])

  // The custom NACL: 443 in from the VPN, ephemeral ports back out, AWS's two `*` denies.
  const nacl = await ec2.send(new CreateNetworkAclCommand({ VpcId: eksVpcId, TagSpecifications: tagged('network-acl', `${c}-eks-private`) }))
  const naclId = must(nacl.NetworkAcl?.NetworkAclId, 'NACL id')
  const entry = (RuleNumber: number, Egress: boolean, Protocol: string, RuleAction: 'allow' | 'deny', CidrBlock: string, from?: number, to?: number) =>
    ec2.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: naclId,
        RuleNumber,
        Egress,
        Protocol,
        RuleAction,
        CidrBlock,
        ...(from === undefined ? {} : { PortRange: { From: from, To: to } }),
      }),
    )
  await Promise.all([
    entry(NACL_ALLOW_RULE, false, '6', 'allow', p.vpnVpcCidr, 443, 443),
    entry(NACL_ALLOW_RULE, true, '6', 'allow', p.vpnVpcCidr, 1024, 65535),
    entry(32767, false, '-1', 'deny', '0.0.0.0/0'),
    entry(32767, true, '-1', 'deny', '0.0.0.0/0'),
  ])
  const defaults = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: eksSubnetIds }] }))
  const naclAssociations = (defaults.NetworkAcls ?? []).flatMap((n) => n.Associations ?? []).filter((a) => eksSubnetIds.includes(a.SubnetId ?? ''))
  if (naclAssociations.length !== 2) throw new Error(`expected 2 NACL associations for the EKS subnets, moto returned ${naclAssociations.length}`)
  await Promise.all(
    naclAssociations.map((a) => ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: a.NetworkAclAssociationId, NetworkAclId: naclId }))),
  )

  // The Tailscale subnet router, and the two endpoint ENIs EKS places in the cluster subnets.
  const [router, enis] = await Promise.all([
    ec2.send(
      new RunInstancesCommand({
        ImageId: ROUTER_AMI,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: vpnSubnetId,
        PrivateIpAddress: p.vpnRouterIp,
        TagSpecifications: tagged('instance', `${c}-tailscale-router`),
      }),
    ),
    Promise.all(
      eksSubnetIds.map((SubnetId, i) =>
        ec2.send(
          new CreateNetworkInterfaceCommand({
            SubnetId,
            PrivateIpAddress: p.endpointIps[i],
            Description: `Amazon EKS ${c}`,
            Groups: [clusterSgId, additionalSgId],
          }),
        ),
      ),
    ),
  ])
  const instance = must(router.Instances?.[0], 'router instance')
  const routerInstanceId = must(instance.InstanceId, 'router instance id')
  const routerEniId = must(instance.NetworkInterfaces?.[0]?.NetworkInterfaceId, 'router ENI id')
  const endpointEniIds: [string, string] = [must(enis[0]?.NetworkInterface?.NetworkInterfaceId, 'ENI id'), must(enis[1]?.NetworkInterface?.NetworkInterfaceId, 'ENI id')]
  const setSourceDestCheck = (Value: boolean) =>
    Promise.all([
      ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: routerInstanceId, SourceDestCheck: { Value } })),
      // A separate flag in moto, one flag in AWS: keep them equal.
      ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: routerEniId, SourceDestCheck: { Value } })),
    ]).then(() => undefined)
  await setSourceDestCheck(false)

  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: p.roleName,
      Path: p.rolePath,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }],
      }),
      Description: `operators of ${c}`,
    }),
  )
  const roleArn = must(role.Role?.Arn, 'role ARN')

  return {
    params: p,
    region: p.region,
    accountId,
    availabilityZones: azs,
    eksVpcId,
    vpnVpcId,
    dhcpOptionsId,
    eksSubnetIds,
    vpnSubnetId,
    eksRouteTableIds,
    vpnRouteTableId,
    eksMainRouteTableId: mainOf(eksVpcId),
    vpnMainRouteTableId: mainOf(vpnVpcId),
    peeringId,
    clusterSgId,
    additionalSgId,
    naclId,
    routerInstanceId,
    routerEniId,
    endpointEniIds,
    roleArn,
    clusterVpcConfig: { vpcId: eksVpcId, subnetIds: [...eksSubnetIds], clusterSecurityGroupId: clusterSgId, securityGroupIds: [additionalSgId] },
    ec2,

    async removeSgRule() {
      await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: clusterSgId, IpPermissions: [{ ...vpn443, IpRanges: [{ CidrIp: p.vpnVpcCidr }] }] }))
    },
    async removeEksRoute(i) {
      await ec2.send(new DeleteRouteCommand({ RouteTableId: eksRouteTableIds[i], DestinationCidrBlock: p.vpnVpcCidr }))
    },
    async removeVpnReturnRoute() {
      await ec2.send(new DeleteRouteCommand({ RouteTableId: vpnRouteTableId, DestinationCidrBlock: p.eksVpcCidr }))
    },
    async blackholeEksRoute(i) {
      const doomed = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: eksSubnetIds[i], Description: `${c} blackhole target` }))
      const NetworkInterfaceId = must(doomed.NetworkInterface?.NetworkInterfaceId, 'ENI id')
      await ec2.send(new ReplaceRouteCommand({ RouteTableId: eksRouteTableIds[i], DestinationCidrBlock: p.vpnVpcCidr, NetworkInterfaceId }))
      await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId }))
      return NetworkInterfaceId
    },
    async deactivatePeering() {
      await ec2.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: peeringId }))
    },
    async denyNacl() {
      await entry(NACL_DENY_RULE, false, '6', 'deny', p.vpnVpcCidr, 443, 443)
    },
    async enableSourceDestCheck() {
      await setSourceDestCheck(true)
    },
    async disablePeeringDns() {
      const off = { AllowDnsResolutionFromRemoteVpc: false }
      await ec2.send(
        new ModifyVpcPeeringConnectionOptionsCommand({
          VpcPeeringConnectionId: peeringId,
          RequesterPeeringConnectionOptions: off,
          AccepterPeeringConnectionOptions: off,
        }),
      )
    },
  }
}
