/**
 * The EC2 reads behind the AWS network path: endpoint ENIs, VPCs, security groups, prefix
 * lists, route tables, peering connections, network ACLs and instances, each normalised into
 * a small plain shape. Every Describe* call is followed to its last page.
 */
import type { AwsCallOptions, AwsPlumbing, AwsResult } from './call.js'
import { collectPages, type PageMark } from './pages.js'
import { createEc2QueryClient, type QueryClient } from './query-client.js'
import { bool, child, int, items, present, text, type XmlElement } from './xml.js'

export interface EniInfo {
  id: string
  privateIps: string[]
  /** The IPv6 addresses of a dual-stack cluster's endpoint (from the subnet's IPv6 CIDR, globally unique). */
  ipv6Ips?: string[]
  subnetId: string
  vpcId: string
  az?: string
  description: string
  groupIds: string[]
}

export interface VpcInfo {
  id: string
  cidrs: string[]
  /** IPv6 CIDR blocks associated with the VPC (Amazon's or BYOIP). */
  ipv6Cidrs?: string[]
  ownerId?: string
  dhcpOptionsId?: string
  enableDnsSupport?: boolean
  enableDnsHostnames?: boolean
  /** domain-name-servers of its DHCP options; AmazonProvidedDNS is the VPC resolver. */
  dnsServers?: string[]
}

export interface SgSourceGroup {
  groupId: string
  userId?: string
  vpcPeeringConnectionId?: string
}

export interface SgRule {
  protocol: string
  fromPort?: number
  toPort?: number
  cidrs: string[]
  ipv6Cidrs: string[]
  prefixListIds: string[]
  groups: SgSourceGroup[]
  description?: string
}

export interface SecurityGroupInfo {
  id: string
  name: string
  vpcId?: string
  ingress: SgRule[]
}

export type RouteTargetType = 'pcx' | 'tgw' | 'vgw' | 'igw' | 'nat' | 'eni' | 'instance' | 'local' | 'endpoint' | 'other'

export interface RouteInfo {
  destination: string
  prefixListId?: string
  targetType: RouteTargetType
  targetId: string
  state: string
}

export interface RouteTableInfo {
  id: string
  vpcId: string
  main: boolean
  subnetIds: string[]
  routes: RouteInfo[]
}

export interface PeeringSide {
  vpcId: string
  ownerId?: string
  region?: string
  cidrs: string[]
  allowDnsResolutionFromRemoteVpc?: boolean
}

export interface PeeringInfo {
  id: string
  status: string
  statusMessage?: string
  requester: PeeringSide
  accepter: PeeringSide
}

export interface NaclEntry {
  ruleNumber: number
  egress: boolean
  protocol: string
  action: 'allow' | 'deny'
  cidr?: string
  ipv6Cidr?: string
  fromPort?: number
  toPort?: number
}

export interface NaclInfo {
  id: string
  vpcId: string
  isDefault: boolean
  subnetIds: string[]
  entries: NaclEntry[]
}

export interface InstanceInfo {
  id: string
  privateIp?: string
  /** Every private IP of every interface. */
  privateIps?: string[]
  publicIp?: string
  privateDnsName?: string
  subnetId?: string
  vpcId?: string
  sourceDestCheck?: boolean
  groupIds: string[]
  state?: string
  name?: string
}

export interface Ec2Calls {
  describeEndpointEnis(cluster: string, o: AwsCallOptions): Promise<AwsResult<EniInfo[]>>
  describeVpcs(ids: string[], o: AwsCallOptions & { attributes?: boolean }): Promise<AwsResult<VpcInfo[]>>
  describeSecurityGroups(ids: string[], o: AwsCallOptions): Promise<AwsResult<SecurityGroupInfo[]>>
  getPrefixListCidrs(id: string, o: AwsCallOptions): Promise<AwsResult<string[]>>
  describeRouteTables(by: { subnetIds?: string[]; vpcId?: string }, o: AwsCallOptions): Promise<AwsResult<RouteTableInfo[]>>
  describePeerings(vpcId: string, o: AwsCallOptions): Promise<AwsResult<PeeringInfo[]>>
  describeNacls(subnetIds: string[], o: AwsCallOptions): Promise<AwsResult<NaclInfo[]>>
  describeInstance(by: { instanceId?: string; privateIp?: string }, o: AwsCallOptions): Promise<AwsResult<InstanceInfo | undefined>>
  /** The running (and stopped) instances of some VPCs, for finding the VPN router among them. */
  describeInstances(by: { vpcIds: string[] }, o: AwsCallOptions): Promise<AwsResult<InstanceInfo[]>>
}

function targetOf(route: XmlElement): { targetType: RouteTargetType; targetId: string } {
  const pcx = text(route, 'vpcPeeringConnectionId')
  const tgw = text(route, 'transitGatewayId')
  const nat = text(route, 'natGatewayId')
  const instance = text(route, 'instanceId')
  const eni = text(route, 'networkInterfaceId')
  const gateway = text(route, 'gatewayId')
  if (pcx) return { targetType: 'pcx', targetId: pcx }
  if (tgw) return { targetType: 'tgw', targetId: tgw }
  if (nat) return { targetType: 'nat', targetId: nat }
  if (instance) return { targetType: 'instance', targetId: instance }
  if (eni) return { targetType: 'eni', targetId: eni }
  if (gateway === 'local') return { targetType: 'local', targetId: 'local' }
  if (gateway?.startsWith('vgw-')) return { targetType: 'vgw', targetId: gateway }
  if (gateway?.startsWith('igw-')) return { targetType: 'igw', targetId: gateway }
  if (gateway?.startsWith('vpce-')) return { targetType: 'endpoint', targetId: gateway }
  return { targetType: 'other', targetId: gateway ?? text(route, 'carrierGatewayId') ?? text(route, 'localGatewayId') ?? 'unknown' }
}

function peeringSide(info: XmlElement | undefined): PeeringSide {
  const cidrs = [text(info, 'cidrBlock'), ...items(info, 'cidrBlockSet').map((c) => text(c, 'cidrBlock'))]
  return {
    vpcId: text(info, 'vpcId') ?? '',
    ownerId: text(info, 'ownerId'),
    region: text(info, 'region'),
    cidrs: [...new Set(cidrs.filter((c): c is string => Boolean(c)))],
    allowDnsResolutionFromRemoteVpc: bool(child(info, 'peeringOptions'), 'allowDnsResolutionFromRemoteVpc'),
  }
}


/** An instance's groups; where the instance-level set is empty (emulators), its interfaces' stand in. */
function groupsOf(i: XmlElement): string[] {
  const own = present(items(i, 'groupSet').map((g) => text(g, 'groupId')))
  if (own.length) return own
  return [...new Set(present(items(i, 'networkInterfaceSet').flatMap((n) => items(n, 'groupSet')).map((g) => text(g, 'groupId'))))]
}

function instanceOf(i: XmlElement): InstanceInfo {
  const privateIps = present(items(i, 'networkInterfaceSet').flatMap((n) => items(n, 'privateIpAddressesSet').map((p) => text(p, 'privateIpAddress'))))
  return {
    id: text(i, 'instanceId') ?? '',
    privateIp: text(i, 'privateIpAddress'),
    privateIps: [...new Set(present([text(i, 'privateIpAddress'), ...privateIps]))],
    publicIp: text(i, 'ipAddress'),
    privateDnsName: text(i, 'privateDnsName'),
    subnetId: text(i, 'subnetId'),
    vpcId: text(i, 'vpcId'),
    sourceDestCheck: bool(i, 'sourceDestCheck'),
    groupIds: groupsOf(i),
    state: text(child(i, 'instanceState'), 'name'),
    name: text(items(i, 'tagSet').find((t) => text(t, 'key') === 'Name'), 'value'),
  }
}

/** The EC2 Query clients (one per region, profile and connect bound), and reading a call page by page. */
export interface Ec2Reader {
  client(o: AwsCallOptions): Promise<QueryClient>
  /** Every page of a Describe* call: `list` names where a page holds its items (the whole page when absent). */
  pages(o: AwsCallOptions, action: string, input: Record<string, unknown>, signal: AbortSignal, mark: PageMark, list?: string): Promise<XmlElement[]>
}

export function ec2Reader(aws: AwsPlumbing): Ec2Reader {
  const clients = new Map<string, Promise<QueryClient>>()
  const ec2 = (o: AwsCallOptions): Promise<QueryClient> => {
    const key = `${o.region}|${o.profile ?? aws.vars.AWS_PROFILE ?? ''}|${o.connectTimeoutMs ?? ''}`
    let client = clients.get(key)
    if (!client) {
      client = Promise.all([aws.settings(o), aws.credentials(o), aws.httpHandler(o)]).then(([settings, credentials, handler]) =>
        createEc2QueryClient({ region: o.region, credentials, settings, handler }),
      )
      client.catch(() => clients.delete(key))
      clients.set(key, client)
    }
    return client
  }
  return {
    client: ec2,
    async pages(o, action, input, signal, mark, list) {
      const client = await ec2(o)
      return collectPages(mark, async (nextToken) => {
        const xml = await client.call(action, { ...input, ...(nextToken ? { NextToken: nextToken } : {}) }, signal)
        return { items: list ? items(xml, list) : [xml], next: text(xml, 'nextToken') || undefined }
      })
    },
  }
}

export function createEc2Calls(aws: AwsPlumbing): Ec2Calls {
  const { client: ec2, pages } = ec2Reader(aws)

  return {
    describeEndpointEnis: (cluster, o) =>
      aws.call('ec2:DescribeNetworkInterfaces', o, async (signal, mark) => {
        const xml = await pages(o, 'DescribeNetworkInterfaces', { Filter: [{ Name: 'description', Value: [`Amazon EKS ${cluster}`] }] }, signal, mark)
        return xml.flatMap((page) => items(page, 'networkInterfaceSet')).map((n) => ({
          id: text(n, 'networkInterfaceId') ?? '',
          privateIps: [...new Set(present([text(n, 'privateIpAddress'), ...items(n, 'privateIpAddressesSet').map((p) => text(p, 'privateIpAddress'))]))],
          ipv6Ips: present(items(n, 'ipv6AddressesSet').map((a) => text(a, 'ipv6Address'))),
          subnetId: text(n, 'subnetId') ?? '',
          vpcId: text(n, 'vpcId') ?? '',
          az: text(n, 'availabilityZone'),
          description: text(n, 'description') ?? '',
          groupIds: present(items(n, 'groupSet').map((g) => text(g, 'groupId'))),
        }))
      }),

    describeVpcs: (ids, o) =>
      aws.call('ec2:DescribeVpcs', o, async (signal, mark) => {
        const client = await ec2(o)
        const xml = await pages(o, 'DescribeVpcs', { VpcId: ids }, signal, mark)
        const vpcs: VpcInfo[] = xml.flatMap((page) => items(page, 'vpcSet')).map((v) => ({
          id: text(v, 'vpcId') ?? '',
          cidrs: [
            ...new Set(
              present([
                text(v, 'cidrBlock'),
                ...items(v, 'cidrBlockAssociationSet')
                  .filter((a) => text(child(a, 'cidrBlockState'), 'state') !== 'disassociated')
                  .map((a) => text(a, 'cidrBlock')),
              ]),
            ),
          ],
          ipv6Cidrs: present(
            items(v, 'ipv6CidrBlockAssociationSet')
              .filter((a) => text(child(a, 'ipv6CidrBlockState'), 'state') === 'associated')
              .map((a) => text(a, 'ipv6CidrBlock')),
          ),
          ownerId: text(v, 'ownerId'),
          dhcpOptionsId: text(v, 'dhcpOptionsId'),
        }))
        if (o.attributes) {
          await Promise.all(
            vpcs.map(async (vpc) => {
              const [support, hostnames, dhcp] = await Promise.all([
                client.call('DescribeVpcAttribute', { VpcId: vpc.id, Attribute: 'enableDnsSupport' }, signal),
                client.call('DescribeVpcAttribute', { VpcId: vpc.id, Attribute: 'enableDnsHostnames' }, signal),
                vpc.dhcpOptionsId && vpc.dhcpOptionsId !== 'default'
                  ? pages(o, 'DescribeDhcpOptions', { DhcpOptionsId: [vpc.dhcpOptionsId] }, signal, mark)
                  : [],
              ])
              vpc.enableDnsSupport = bool(child(support, 'enableDnsSupport'), 'value')
              vpc.enableDnsHostnames = bool(child(hostnames, 'enableDnsHostnames'), 'value')
              const config = items(dhcp.flatMap((page) => items(page, 'dhcpOptionsSet'))[0], 'dhcpConfigurationSet')
              const servers = config.find((c) => text(c, 'key') === 'domain-name-servers')
              vpc.dnsServers =
                vpc.dhcpOptionsId === 'default' ? ['AmazonProvidedDNS'] : servers ? present(items(servers, 'valueSet').map((v) => text(v, 'value'))) : undefined
            }),
          )
        }
        return vpcs
      }),

    describeSecurityGroups: (ids, o) =>
      aws.call('ec2:DescribeSecurityGroups', o, async (signal, mark) => {
        const xml = await pages(o, 'DescribeSecurityGroups', { GroupId: ids }, signal, mark)
        return xml.flatMap((page) => items(page, 'securityGroupInfo')).map((g) => ({
          id: text(g, 'groupId') ?? '',
          name: text(g, 'groupName') ?? '',
          vpcId: text(g, 'vpcId'),
          ingress: items(g, 'ipPermissions').map((p) => ({
            protocol: text(p, 'ipProtocol') ?? '-1',
            fromPort: int(p, 'fromPort'),
            toPort: int(p, 'toPort'),
            cidrs: present(items(p, 'ipRanges').map((r) => text(r, 'cidrIp'))),
            ipv6Cidrs: present(items(p, 'ipv6Ranges').map((r) => text(r, 'cidrIpv6'))),
            prefixListIds: present(items(p, 'prefixListIds').map((r) => text(r, 'prefixListId'))),
            groups: items(p, 'groups').map((u) => ({
              groupId: text(u, 'groupId') ?? '',
              userId: text(u, 'userId'),
              vpcPeeringConnectionId: text(u, 'vpcPeeringConnectionId'),
            })),
            description: present([...items(p, 'ipRanges'), ...items(p, 'groups')].map((r) => text(r, 'description')))[0],
          })),
        }))
      }),

    getPrefixListCidrs: (id, o) =>
      aws.call('ec2:GetManagedPrefixListEntries', o, async (signal, mark) => {
        const xml = await pages(o, 'GetManagedPrefixListEntries', { PrefixListId: id }, signal, mark)
        return present(xml.flatMap((page) => items(page, 'entrySet')).map((e) => text(e, 'cidr')))
      }),

    describeRouteTables: (by, o) =>
      aws.call('ec2:DescribeRouteTables', o, async (signal, mark) => {
        const filter = by.subnetIds ? { Name: 'association.subnet-id', Value: by.subnetIds } : { Name: 'vpc-id', Value: [by.vpcId ?? ''] }
        const xml = await pages(o, 'DescribeRouteTables', { Filter: [filter] }, signal, mark)
        return xml.flatMap((page) => items(page, 'routeTableSet')).map((t) => ({
          id: text(t, 'routeTableId') ?? '',
          vpcId: text(t, 'vpcId') ?? '',
          main: items(t, 'associationSet').some((a) => text(a, 'main') === 'true'),
          subnetIds: present(items(t, 'associationSet').map((a) => text(a, 'subnetId'))),
          routes: items(t, 'routeSet').map((r) => ({
            destination: text(r, 'destinationCidrBlock') ?? text(r, 'destinationIpv6CidrBlock') ?? text(r, 'destinationPrefixListId') ?? '',
            prefixListId: text(r, 'destinationPrefixListId'),
            ...targetOf(r),
            state: text(r, 'state') ?? 'active',
          })),
        }))
      }),

    describePeerings: (vpcId, o) =>
      aws.call('ec2:DescribeVpcPeeringConnections', o, async (signal, mark) => {
        const [asRequester, asAccepter] = await Promise.all(
          ['requester-vpc-info.vpc-id', 'accepter-vpc-info.vpc-id'].map((Name) =>
            pages(o, 'DescribeVpcPeeringConnections', { Filter: [{ Name, Value: [vpcId] }] }, signal, mark),
          ),
        )
        const seen = new Set<string>()
        // Filter again here: emulators (moto) ignore the server-side filters and return every connection.
        return [...(asRequester ?? []), ...(asAccepter ?? [])]
          .flatMap((page) => items(page, 'vpcPeeringConnectionSet'))
          .filter((p) => {
            const id = text(p, 'vpcPeeringConnectionId') ?? ''
            return seen.has(id) ? false : (seen.add(id), true)
          })
          .map((p) => ({
            id: text(p, 'vpcPeeringConnectionId') ?? '',
            status: text(child(p, 'status'), 'code') ?? 'unknown',
            statusMessage: text(child(p, 'status'), 'message'),
            requester: peeringSide(child(p, 'requesterVpcInfo')),
            accepter: peeringSide(child(p, 'accepterVpcInfo')),
          }))
          .filter((p) => p.requester.vpcId === vpcId || p.accepter.vpcId === vpcId)
      }),

    describeNacls: (subnetIds, o) =>
      aws.call('ec2:DescribeNetworkAcls', o, async (signal, mark) => {
        const xml = await pages(o, 'DescribeNetworkAcls', { Filter: [{ Name: 'association.subnet-id', Value: subnetIds }] }, signal, mark)
        return xml.flatMap((page) => items(page, 'networkAclSet')).map((n) => ({
          id: text(n, 'networkAclId') ?? '',
          vpcId: text(n, 'vpcId') ?? '',
          isDefault: text(n, 'default') === 'true',
          subnetIds: present(items(n, 'associationSet').map((a) => text(a, 'subnetId'))),
          entries: items(n, 'entrySet').map((e) => ({
            ruleNumber: int(e, 'ruleNumber') ?? 32767,
            egress: text(e, 'egress') === 'true',
            protocol: text(e, 'protocol') ?? '-1',
            action: text(e, 'ruleAction') === 'deny' ? ('deny' as const) : ('allow' as const),
            cidr: text(e, 'cidrBlock'),
            ipv6Cidr: text(e, 'ipv6CidrBlock'),
            fromPort: int(child(e, 'portRange'), 'from'),
            toPort: int(child(e, 'portRange'), 'to'),
          })),
        }))
      }),

    describeInstance: (by, o) =>
      aws.call('ec2:DescribeInstances', o, async (signal, mark) => {
        const input = by.instanceId ? { InstanceId: [by.instanceId] } : { Filter: [{ Name: 'private-ip-address', Value: [by.privateIp ?? ''] }] }
        const xml = await pages(o, 'DescribeInstances', input, signal, mark)
        const i = xml.flatMap((page) => items(page, 'reservationSet')).flatMap((r) => items(r, 'instancesSet'))[0]
        return i ? instanceOf(i) : undefined
      }),

    describeInstances: (by, o) =>
      aws.call('ec2:DescribeInstances', o, async (signal, mark) => {
        const xml = await pages(o, 'DescribeInstances', { Filter: [{ Name: 'vpc-id', Value: by.vpcIds }, { Name: 'instance-state-name', Value: ['pending', 'running', 'stopping', 'stopped'] }] }, signal, mark)
        // Filter again here: emulators do not always apply every filter.
        return xml
          .flatMap((page) => items(page, 'reservationSet').flatMap((r) => items(r, 'instancesSet')))
          .map(instanceOf)
          .filter((i) => i.vpcId && by.vpcIds.includes(i.vpcId))
      }),
  }
}
