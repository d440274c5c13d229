/**
 * network.transit-gateway judged through the fake env, two worlds with different values; and
 * what the transit gateways change around it: the sources network.source-cidr finds through them,
 * and routes into a gateway that is gone (network.route-tables, network.vpn-route).
 */
import { describe, expect, it } from 'vitest'
import type { AwsFailure, AwsResult } from '../../../../src/aws/clients.js'
import type { SubnetInfo } from '../../../../src/aws/client-vpn.js'
import type { EniInfo, InstanceInfo, RouteInfo, RouteTableInfo, VpcInfo } from '../../../../src/aws/ec2.js'
import type { TgwAttachmentInfo, TgwRouteInfo, TgwRouteTableInfo, TgwTableLink, TgwVpcAttachmentInfo, TransitGatewayInfo } from '../../../../src/aws/transit-gateway.js'
import type { CheckResult, Fix, RunOptions } from '../../../../src/engine/types.js'
import type { AwsPath, SourceNetwork, TgwView } from '../../../../src/probes/network/aws-path.js'
import { routeTablesProbe } from '../../../../src/probes/network/route-tables.js'
import { sourceCidrProbe } from '../../../../src/probes/network/source-cidr.js'
import { transitGatewayProbe } from '../../../../src/probes/network/transit-gateway.js'
import { vpnRouteProbe } from '../../../../src/probes/network/vpn-route.js'
import { awsError, clusterInfo, fakeEnv, runProbe } from '../../../helpers/fake-env.js'

const A = {
  region: 'eu-west-1',
  cluster: 'payments-prod',
  vpcId: 'vpc-ad871a1e0da75dbf5',
  cidr: '10.20.0.0/16',
  subnets: ['subnet-f61b1bffe218eea85', 'subnet-92aba68e804a2c6a0'] as [string, string],
  ips: ['10.20.1.87', '10.20.2.143'] as [string, string],
  zones: ['eu-west-1a', 'eu-west-1b'] as [string, string],
  tables: ['rtb-3743723f8369dce27', 'rtb-825cfd1464a364db4'] as [string, string],
  vpnVpcId: 'vpc-0ad4ae85648d6ac63',
  vpnCidr: '10.99.0.0/16',
  vpnSubnet: 'subnet-98def5f461398b6a4',
  vpnTable: 'rtb-a0d4819bd73c3d458',
  routerId: 'i-2f7ab6a8b06e9d7bc',
  routerIp: '10.99.0.10',
  tgw: 'tgw-0a1b2c3d4e5f60718',
  eksAttach: 'tgw-attach-0e1f2a3b4c5d6e7f8',
  vpnAttach: 'tgw-attach-09a8b7c6d5e4f3a21',
  eksRtb: 'tgw-rtb-0b1c2d3e4f5a69788',
  vpnRtb: 'tgw-rtb-07a6b5c4d3e2f1001',
}
const B = {
  region: 'ap-northeast-2',
  cluster: 'eks-secure-infra-dev',
  vpcId: 'vpc-8a451888f6ca8c214',
  cidr: '192.168.0.0/16',
  subnets: ['subnet-5ac46807a02717c34', 'subnet-e1391bffa06b64baf'] as [string, string],
  ips: ['192.168.70.9', '192.168.85.200'] as [string, string],
  zones: ['ap-northeast-2a', 'ap-northeast-2c'] as [string, string],
  tables: ['rtb-c00d849fe2fb31f72', 'rtb-45a5ce97a0b090767'] as [string, string],
  vpnVpcId: 'vpc-c8ee1ac8646efef52',
  vpnCidr: '100.72.0.0/16',
  vpnSubnet: 'subnet-ebf919af122f6d8a9',
  vpnTable: 'rtb-1d57f788a86b0fad1',
  routerId: 'i-88bd9f38717d5cd06',
  routerIp: '100.72.4.44',
  tgw: 'tgw-c2fdc68cccdf5a276',
  eksAttach: 'tgw-attach-6c071e2dbf058d165',
  vpnAttach: 'tgw-attach-70acd818d3a93b4a4',
  eksRtb: 'tgw-rtb-a7cdf8481a58b5c4f',
  vpnRtb: 'tgw-rtb-114e9840a04ce24c4',
}
type World = typeof A

const ok = <T>(value: T): AwsResult<T> => ({ ok: true, value, ms: 30 })
const denied = (action: string): AwsFailure => ({ ok: false, code: 'AWS_ACCESS_DENIED', message: 'You are not authorized to perform this operation.', errorName: 'UnauthorizedOperation', action, ms: 30 })

const vpcRoute = (destination: string, targetId: string, state = 'active'): RouteInfo => ({
  destination,
  targetType: targetId.startsWith('tgw-') ? 'tgw' : targetId === 'local' ? 'local' : 'other',
  targetId,
  state,
})
const vpcTable = (id: string, vpcId: string, subnetIds: string[], routes: RouteInfo[]): RouteTableInfo => ({ id, vpcId, main: false, subnetIds, routes })
const attachment = (w: World, side: 'eks' | 'vpn', o: Partial<TgwAttachmentInfo> = {}): TgwAttachmentInfo => ({
  id: side === 'eks' ? w.eksAttach : w.vpnAttach,
  transitGatewayId: w.tgw,
  resourceType: 'vpc',
  resourceId: side === 'eks' ? w.vpcId : w.vpnVpcId,
  resourceOwnerId: '123456789012',
  state: 'available',
  association: { routeTableId: side === 'eks' ? w.eksRtb : w.vpnRtb, state: 'associated' },
  ...o,
})
const link = (attachmentId: string, resourceId: string, state: string): TgwTableLink => ({ attachmentId, resourceId, resourceType: 'vpc', state })
const staticRoute = (destination: string, attachmentId?: string, state = 'active'): TgwRouteInfo => ({ destination, type: 'static', state, attachments: attachmentId ? [{ id: attachmentId, resourceType: 'vpc' }] : [] })
const propagatedRoute = (destination: string, attachmentId: string): TgwRouteInfo => ({ destination, type: 'propagated', state: 'active', attachments: [{ id: attachmentId, resourceType: 'vpc' }] })

/** Everything the TGW side answers; each test changes the part it breaks. */
interface Tgw {
  gateway?: TransitGatewayInfo
  gatewaysRead: boolean
  attachments: TgwAttachmentInfo[]
  vpcAttachments: TgwVpcAttachmentInfo[]
  subnets: SubnetInfo[]
  tables: TgwRouteTableInfo[]
  associations: Record<string, TgwTableLink[]>
  propagations: Record<string, TgwTableLink[]>
  routes: Record<string, TgwRouteInfo[]>
  failures: Partial<Record<'tables' | 'associations' | 'routes' | 'propagations' | 'vpcAttachments' | 'subnets', AwsFailure>>
  router?: InstanceInfo & { how: string }
  sources?: SourceNetwork[]
  viewFailures?: AwsFailure[]
  vpcCidrs?: Record<string, string[]>
}

/**
 * A route table per attachment, AWS-style: the cluster's learns the VPN CIDR by propagation (the
 * route listed with its attachment), the VPN's has a static route to the cluster CIDR.
 */
function healthy(w: World): Tgw {
  return {
    gateway: { id: w.tgw, state: 'available', ownerId: '123456789012' },
    gatewaysRead: true,
    attachments: [attachment(w, 'eks'), attachment(w, 'vpn')],
    vpcAttachments: [
      { id: w.eksAttach, transitGatewayId: w.tgw, vpcId: w.vpcId, state: 'available', subnetIds: [...w.subnets] },
      { id: w.vpnAttach, transitGatewayId: w.tgw, vpcId: w.vpnVpcId, state: 'available', subnetIds: [w.vpnSubnet] },
    ],
    subnets: [
      { id: w.subnets[0], vpcId: w.vpcId, cidr: '', az: w.zones[0] },
      { id: w.subnets[1], vpcId: w.vpcId, cidr: '', az: w.zones[1] },
      { id: w.vpnSubnet, vpcId: w.vpnVpcId, cidr: '', az: w.zones[0] },
    ],
    tables: [
      { id: w.eksRtb, transitGatewayId: w.tgw, state: 'available', defaultAssociation: false, defaultPropagation: false },
      { id: w.vpnRtb, transitGatewayId: w.tgw, state: 'available', defaultAssociation: false, defaultPropagation: false },
    ],
    associations: { [w.eksRtb]: [link(w.eksAttach, w.vpcId, 'associated')], [w.vpnRtb]: [link(w.vpnAttach, w.vpnVpcId, 'associated')] },
    propagations: { [w.eksRtb]: [link(w.vpnAttach, w.vpnVpcId, 'enabled')], [w.vpnRtb]: [] },
    routes: { [w.eksRtb]: [propagatedRoute(w.vpnCidr, w.vpnAttach)], [w.vpnRtb]: [staticRoute(w.cidr, w.eksAttach)] },
    failures: {},
    router: { id: w.routerId, privateIp: w.routerIp, subnetId: w.vpnSubnet, vpcId: w.vpnVpcId, groupIds: [], how: 'the only instance of the VPN VPC with source/dest check off' },
  }
}

function pathOf(w: World, t: Tgw): AwsPath {
  const view: TgwView = {
    gateways: t.gateway ? [t.gateway] : [],
    gatewaysRead: t.gatewaysRead ? [w.tgw] : [],
    attachments: t.attachments,
    vpcCidrs: t.vpcCidrs ?? { [w.vpnVpcId]: [w.vpnCidr] },
    failures: t.viewFailures ?? [],
  }
  return {
    clusterVpcId: w.vpcId,
    clusterCidrs: [w.cidr],
    endpointSubnets: w.subnets.map((subnetId, i) => ({ subnetId, ips: [w.ips[i] as string], table: vpcTable(w.tables[i] as string, w.vpcId, [subnetId], [vpcRoute(w.cidr, 'local'), vpcRoute(w.vpnCidr, w.tgw)]) })),
    peerings: [],
    peeringsReadable: true,
    sources: t.sources ?? [{ cidr: w.vpnCidr, via: 'tgw', connectionId: w.tgw, remoteVpcId: w.vpnVpcId, why: `routed to ${w.tgw} by ${w.tables[0]}` }],
    router: t.router,
    transitGateways: view,
  }
}

const enisOf = (w: World, zones = true): EniInfo[] =>
  w.subnets.map((subnetId, i) => ({ id: `eni-0${i}${w.cluster.length}`, privateIps: [w.ips[i] as string], subnetId, vpcId: w.vpcId, ...(zones ? { az: w.zones[i] } : {}), description: `Amazon EKS ${w.cluster}`, groupIds: [] }))

async function judge(w: World, t: Tgw, o: { options?: Partial<RunOptions>; results?: Record<string, CheckResult>; zones?: boolean } = {}) {
  const asked = { subnets: [] as unknown[], tables: [] as string[] }
  const fail = (k: keyof Tgw['failures']) => t.failures[k]
  const env = fakeEnv({
    aws: {
      calls: {
        describeTransitGatewayVpcAttachments: async (ids) => fail('vpcAttachments') ?? ok(t.vpcAttachments.filter((a) => ids.includes(a.id))),
        describeSubnets: async (by) => {
          asked.subnets.push(by)
          return fail('subnets') ?? ok(t.subnets.filter((s) => (by.ids ? by.ids.includes(s.id) : s.vpcId === by.vpcId)))
        },
        describeTransitGatewayRouteTables: async () => fail('tables') ?? ok(t.tables),
        getTransitGatewayRouteTableAssociations: async (id) => fail('associations') ?? ok(t.associations[id] ?? []),
        getTransitGatewayRouteTablePropagations: async (id) => fail('propagations') ?? ok(t.propagations[id] ?? []),
        searchTransitGatewayRoutes: async (id) => {
          asked.tables.push(id)
          return fail('routes') ?? ok(t.routes[id] ?? [])
        },
      },
    },
  })
  const outcome = await runProbe(transitGatewayProbe, {
    env,
    target: { cluster: w.cluster, region: w.region },
    options: o.options ?? { mode: 'audit' },
    data: { 'network.source-cidr': pathOf(w, t), 'cluster.endpoint-enis': { enis: enisOf(w, o.zones ?? true), ips: [...w.ips] } },
    results: o.results ?? {},
  })
  return { outcome, asked }
}

const commands = (fixes: Fix[] | undefined) => (fixes ?? []).flatMap((f) => f.commands)

describe('network.transit-gateway: a path in order', () => {
  it.each([A, B])('$cluster: available, both attachments reach their zones, both tables route on (AWS lists every route)', async (w) => {
    const { outcome } = await judge(w, healthy(w))
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(
      `${w.vpnAttach} (${w.vpnVpcId}) available; ${w.eksAttach} (${w.vpcId}) available; ` +
        `${w.vpnRtb} routes ${w.cidr} → ${w.eksAttach} (static, active); ${w.eksRtb} routes ${w.vpnCidr} → ${w.vpnAttach} (propagated, active)`,
    )
    expect(outcome.evidence?.gateways).toEqual([
      expect.objectContaining({
        transitGateway: { id: w.tgw, state: 'available' },
        attachments: [
          expect.objectContaining({ attachment: w.vpnAttach, subnets: [{ subnet: w.vpnSubnet, zone: w.zones[0] }], mustReach: [{ subnet: w.vpnSubnet, zone: w.zones[0], ips: [w.routerIp] }] }),
          expect.objectContaining({ attachment: w.eksAttach, subnets: w.subnets.map((s, i) => ({ subnet: s, zone: w.zones[i] })) }),
        ],
      }),
    ])
  })

  it.each([A, B])('$cluster: a propagation that is on stands for the route the table does not list (moto lists none)', async (w) => {
    const t = healthy(w)
    t.routes[w.eksRtb] = []
    const { outcome } = await judge(w, t)
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain(`${w.eksRtb} routes ${w.vpnCidr} → ${w.vpnAttach} (propagated from ${w.vpnAttach}, not listed, active)`)
  })

  it('a static route that lists no attachment (moto) is taken as it is', async () => {
    const t = healthy(A)
    t.routes[A.vpnRtb] = [staticRoute(A.cidr)]
    const { outcome } = await judge(A, t)
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain(`${A.vpnRtb} routes ${A.cidr} → an attachment it does not list (static, active)`)
  })

  it('the route tables say which table an attachment uses, over the attachment\'s own lagging field', async () => {
    const t = healthy(B)
    // The attachment still names the table it was created with; the tables know better.
    t.attachments = [attachment(B, 'eks', { association: { routeTableId: B.vpnRtb, state: 'associated' } }), attachment(B, 'vpn')]
    const { outcome } = await judge(B, t)
    expect(outcome.status).toBe('pass')
  })

  it('zones come from DescribeSubnets when the ENIs do not say them', async () => {
    const { outcome, asked } = await judge(A, healthy(A), { zones: false })
    expect(outcome.status).toBe('pass')
    expect(asked.subnets).toEqual([{ ids: expect.arrayContaining([...A.subnets, A.vpnSubnet]) }])
  })

  it('a Site-to-Site VPN attachment carries an on-premises source; its table routes to the cluster', async () => {
    const t = healthy(B)
    const vpn = { ...attachment(B, 'vpn'), id: 'tgw-attach-0vpn1a2b3c4d5e6f7', resourceType: 'vpn', resourceId: 'vpn-0a1b2c3d4e5f60718' }
    t.attachments = [attachment(B, 'eks'), vpn]
    t.associations[B.vpnRtb] = [{ attachmentId: vpn.id, resourceId: vpn.resourceId, resourceType: 'vpn', state: 'associated' }]
    t.routes[B.eksRtb] = [{ destination: '172.20.0.0/16', type: 'propagated', state: 'active', attachments: [{ id: vpn.id, resourceType: 'vpn' }] }]
    t.propagations[B.eksRtb] = [{ attachmentId: vpn.id, resourceId: vpn.resourceId, resourceType: 'vpn', state: 'enabled' }]
    t.router = undefined
    t.sources = [{ cidr: '172.20.0.0/16', via: 'tgw', connectionId: B.tgw, why: 'routed' }]
    const { outcome } = await judge(B, t)
    expect(outcome.status, outcome.detail).toBe('pass')
    expect(outcome.detail).toContain(`${B.eksRtb} routes 172.20.0.0/16 → ${vpn.id} (propagated, active)`)
  })

  it('skips when the VPN traffic does not cross a transit gateway', async () => {
    const t = healthy(A)
    t.sources = [{ cidr: A.vpnCidr, via: 'peering', connectionId: 'pcx-44c41607739829a5c', remoteVpcId: A.vpnVpcId, why: 'peering' }]
    expect((await judge(A, t)).outcome).toEqual({ status: 'skip', detail: 'the VPN traffic does not cross a transit gateway' })
  })

  it('skips in a check whose TCP reached the endpoint', async () => {
    const tcp: CheckResult = { id: 'network.tcp-connect', layer: 'network', status: 'pass', title: 'TCP', detail: 'ok', evidence: {}, durationMs: 3 }
    const { outcome } = await judge(A, healthy(A), { options: { mode: 'check' }, results: { 'network.tcp-connect': tcp } })
    expect(outcome).toEqual({ status: 'skip', detail: 'TCP reaches every endpoint IP: the AWS path needs no reading' })
  })
})

describe('network.transit-gateway: what AWS would not say', () => {
  it.each([A, B])('$cluster: attachments not readable → skip naming the permission', async (w) => {
    const t = healthy(w)
    t.attachments = []
    t.viewFailures = [denied('ec2:DescribeTransitGatewayAttachments')]
    const { outcome } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'skip', code: 'AWS_ACCESS_DENIED', detail: 'not allowed to call ec2:DescribeTransitGatewayAttachments: allow it to settle this link' })
  })

  it('routes not readable: what was read passes, and the detail says what was not', async () => {
    const t = healthy(B)
    t.failures.routes = denied('ec2:SearchTransitGatewayRoutes')
    const { outcome } = await judge(B, t)
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toMatch(/; not read: not allowed to call ec2:SearchTransitGatewayRoutes$/)
    expect(outcome.evidence?.unread).toEqual(['not allowed to call ec2:SearchTransitGatewayRoutes'])
  })

  it('a missing route whose table\'s propagations could not be read is not confirmed', async () => {
    const t = healthy(A)
    t.routes[A.eksRtb] = []
    t.failures.propagations = denied('ec2:GetTransitGatewayRouteTablePropagations')
    const { outcome } = await judge(A, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ROUTE_MISSING', confirmed: false })
    expect(outcome.detail).toContain('not allowed to call ec2:GetTransitGatewayRouteTablePropagations')
  })
})

describe('network.transit-gateway: the gateway', () => {
  it.each([A, B])('$cluster: pending → wait for it', async (w) => {
    const t = healthy(w)
    t.gateway = { id: w.tgw, state: 'pending' }
    const { outcome } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_NOT_AVAILABLE', category: 'routing', confirmed: true })
    expect(commands(outcome.fixes)).toEqual([`aws ec2 describe-transit-gateways --transit-gateway-ids ${w.tgw} --query 'TransitGateways[0].State' --output text --region ${w.region}`])
  })

  it.each([A, B])('$cluster: no longer listed → a new one, both VPCs attached, the endpoint routes pointed at it', async (w) => {
    const t = healthy(w)
    t.gateway = undefined
    const { outcome } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_NOT_AVAILABLE' })
    expect(outcome.detail).toBe(`the transit gateway ${w.tgw} is gone (DescribeTransitGateways no longer lists it): nothing crosses it`)
    const lookup = `"$(aws ec2 describe-transit-gateways --filters Name=tag:Name,Values=${w.cluster}-vpn Name=state,Values=available --query 'TransitGateways[0].TransitGatewayId' --output text --region ${w.region})"`
    expect(commands(outcome.fixes)).toEqual([
      `aws ec2 create-transit-gateway --description "${w.cluster}-vpn" --tag-specifications 'ResourceType=transit-gateway,Tags=[{Key=Name,Value=${w.cluster}-vpn}]' --region ${w.region}`,
      `aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${lookup} --vpc-id ${w.vpnVpcId} --subnet-ids ${w.vpnSubnet} --region ${w.region}`,
      `aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${lookup} --vpc-id ${w.vpcId} --subnet-ids ${w.subnets[0]} ${w.subnets[1]} --region ${w.region}`,
      ...w.tables.map((rtb) => `aws ec2 replace-route --route-table-id ${rtb} --destination-cidr-block ${w.vpnCidr} --transit-gateway-id ${lookup} --region ${w.region}`),
    ])
  })

  it('unread gateway state is said, and the rest is judged', async () => {
    const t = healthy(A)
    t.gatewaysRead = false
    t.gateway = undefined
    const { outcome } = await judge(A, t)
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain(`not read: the state of ${A.tgw} (DescribeTransitGateways did not answer)`)
  })
})

describe('network.transit-gateway: the attachments', () => {
  it.each([A, B])('$cluster: the cluster VPC not attached → attach it, a subnet per endpoint zone', async (w) => {
    const t = healthy(w)
    t.attachments = [attachment(w, 'vpn')]
    const { outcome } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ATTACHMENT_MISSING', confirmed: true })
    expect(outcome.detail).toBe(`the cluster VPC ${w.vpcId} is not attached to ${w.tgw}: the transit gateway has no way into the cluster VPC`)
    expect(commands(outcome.fixes)).toEqual([`aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${w.tgw} --vpc-id ${w.vpcId} --subnet-ids ${w.subnets[0]} ${w.subnets[1]} --region ${w.region}`])
    expect(outcome.fixes?.[0]?.terraform).toContain(`subnet_ids         = ["${w.subnets[0]}", "${w.subnets[1]}"]`)
  })

  it.each([
    { w: A, state: 'pendingAcceptance', command: (w: World) => `aws ec2 accept-transit-gateway-vpc-attachment --transit-gateway-attachment-id ${w.eksAttach} --region ${w.region}` },
    { w: B, state: 'pending', command: (w: World) => `aws ec2 describe-transit-gateway-attachments --transit-gateway-attachment-ids ${w.eksAttach} --query 'TransitGatewayAttachments[0].State' --output text --region ${w.region}` },
    { w: A, state: 'rejected', command: (w: World) => `aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${w.tgw} --vpc-id ${w.vpcId} --subnet-ids ${w.subnets[0]} ${w.subnets[1]} --region ${w.region}` },
    { w: B, state: 'failed', command: (w: World) => `aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${w.tgw} --vpc-id ${w.vpcId} --subnet-ids ${w.subnets[0]} ${w.subnets[1]} --region ${w.region}` },
  ])('$w.cluster: the cluster attachment $state → not available, with its own fix', async ({ w, state, command }) => {
    const t = healthy(w)
    t.attachments = [attachment(w, 'eks', { state }), attachment(w, 'vpn')]
    const { outcome } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ATTACHMENT_NOT_AVAILABLE' })
    expect(outcome.detail).toContain(`the attachment ${w.eksAttach} of the cluster VPC ${w.vpcId} to ${w.tgw} is ${state}: nothing crosses it`)
    expect(commands(outcome.fixes)).toEqual([command(w)])
  })

  it.each([A, B])('$cluster: the VPN VPC not attached, its router known → confirmed, attach it with the router\'s subnet', async (w) => {
    const t = healthy(w)
    t.attachments = [attachment(w, 'eks')]
    const { outcome } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ATTACHMENT_MISSING', confirmed: true })
    expect(outcome.detail).toBe(`the VPN VPC ${w.vpnVpcId} is not attached to ${w.tgw}: the transit gateway has no way back to the VPN`)
    expect(commands(outcome.fixes)).toEqual([`aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${w.tgw} --vpc-id ${w.vpnVpcId} --subnet-ids ${w.vpnSubnet} --region ${w.region}`])
  })

  it('the VPN VPC not attached, no router: its subnets come from DescribeSubnets, one per zone', async () => {
    const t = healthy(B)
    t.attachments = [attachment(B, 'eks')]
    t.router = undefined
    t.subnets.push({ id: 'subnet-0second0vpn00000b', vpcId: B.vpnVpcId, cidr: '', az: B.zones[1] }, { id: 'subnet-0third00vpn00000c', vpcId: B.vpnVpcId, cidr: '', az: B.zones[0] })
    const { outcome, asked } = await judge(B, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ATTACHMENT_MISSING', confirmed: true })
    expect(asked.subnets).toContainEqual({ vpcId: B.vpnVpcId })
    expect(commands(outcome.fixes)).toEqual([`aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${B.tgw} --vpc-id ${B.vpnVpcId} --subnet-ids ${B.vpnSubnet} subnet-0second0vpn00000b --region ${B.region}`])
  })

  it('no attachment holds the source CIDR and no VPC is known → suspected, no fix', async () => {
    const t = healthy(A)
    t.attachments = [attachment(A, 'eks')]
    t.router = undefined
    t.sources = [{ cidr: A.vpnCidr, via: 'tgw', connectionId: A.tgw, why: 'routed' }]
    const { outcome } = await judge(A, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ATTACHMENT_MISSING', confirmed: false, fixes: [] })
    expect(outcome.detail).toBe(`no attachment of ${A.tgw} holds ${A.vpnCidr} (no attached VPC has that CIDR; name the VPN router with --vpn-instance to settle which VPC it is)`)
  })
})

describe('network.transit-gateway: zones', () => {
  it.each([A, B])('$cluster: no attachment subnet in one endpoint zone → that IP, that zone, intermittent', async (w) => {
    const t = healthy(w)
    t.vpcAttachments[0] = { ...t.vpcAttachments[0]!, subnetIds: [w.subnets[0]] }
    const { outcome } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_AZ_MISSING', category: 'routing', confirmed: true })
    expect(outcome.detail).toBe(`${w.eksAttach} of the cluster VPC ${w.vpcId} has no subnet in ${w.zones[1]}, where the endpoint ENI ${w.ips[1]} is: ${w.tgw} cannot reach it (${w.ips[0]} is reached, so the failure is intermittent)`)
    expect(commands(outcome.fixes)).toEqual([`aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id ${w.eksAttach} --add-subnet-ids ${w.subnets[1]} --region ${w.region}`])
  })

  it('no attachment subnet in either endpoint zone → both IPs, not intermittent', async () => {
    const t = healthy(B)
    t.vpcAttachments[0] = { ...t.vpcAttachments[0]!, subnetIds: ['subnet-0elsewhere000000d'] }
    t.subnets.push({ id: 'subnet-0elsewhere000000d', vpcId: B.vpcId, cidr: '', az: 'ap-northeast-2d' })
    const { outcome } = await judge(B, t)
    expect(outcome.detail).toBe(`${B.eksAttach} of the cluster VPC ${B.vpcId} has no subnet in ${B.zones[0]}, ${B.zones[1]}, where the endpoint ENIs ${B.ips[0]}, ${B.ips[1]} are: ${B.tgw} cannot reach them`)
    expect(commands(outcome.fixes)).toEqual([`aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id ${B.eksAttach} --add-subnet-ids ${B.subnets[0]} ${B.subnets[1]} --region ${B.region}`])
  })

  it('the VPN attachment without the router\'s zone → that side first', async () => {
    const t = healthy(A)
    t.subnets = t.subnets.map((s) => (s.id === A.vpnSubnet ? { ...s, az: A.zones[1] } : s))
    t.subnets.push({ id: 'subnet-0vpnattach0000000e', vpcId: A.vpnVpcId, cidr: '', az: A.zones[0] })
    t.vpcAttachments[1] = { ...t.vpcAttachments[1]!, subnetIds: ['subnet-0vpnattach0000000e'] }
    const { outcome } = await judge(A, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_AZ_MISSING' })
    expect(outcome.detail).toBe(`${A.vpnAttach} of the VPN VPC ${A.vpnVpcId} has no subnet in ${A.zones[1]}, where the VPN router ${A.routerIp} is: ${A.tgw} cannot reach it`)
    expect(commands(outcome.fixes)).toEqual([`aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id ${A.vpnAttach} --add-subnet-ids ${A.vpnSubnet} --region ${A.region}`])
  })
})

describe('network.transit-gateway: the TGW route tables', () => {
  it.each([A, B])('$cluster: the VPN attachment associated with no table → the table that routes to the cluster', async (w) => {
    const t = healthy(w)
    t.associations[w.vpnRtb] = []
    const { outcome, asked } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_NOT_ASSOCIATED' })
    expect(asked.tables.sort()).toEqual([w.eksRtb, w.vpnRtb].sort())
    expect(commands(outcome.fixes)).toEqual([`aws ec2 associate-transit-gateway-route-table --transit-gateway-route-table-id ${w.vpnRtb} --transit-gateway-attachment-id ${w.vpnAttach} --region ${w.region}`])
  })

  it('no table routes on from an unassociated attachment → said, no fix', async () => {
    const t = healthy(B)
    t.associations[B.vpnRtb] = []
    t.routes[B.vpnRtb] = []
    const { outcome } = await judge(B, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_NOT_ASSOCIATED', fixes: [] })
    expect(outcome.detail).toContain(`(and no table of ${B.tgw} routes on from it: give one a route, then associate it)`)
  })

  it.each([A, B])('$cluster: the cluster table learns by propagation and lost the VPN → propagate it again', async (w) => {
    const t = healthy(w)
    t.routes[w.eksRtb] = []
    t.propagations[w.eksRtb] = [link('tgw-attach-0sharedsvc00000f1', 'vpc-0sharedservices0001', 'enabled')]
    const { outcome } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ROUTE_MISSING', confirmed: true })
    expect(outcome.detail).toBe(
      `the TGW route table ${w.eksRtb} (associated with ${w.eksAttach}, the cluster VPC ${w.vpcId}) has no route to ${w.vpnCidr}: ${w.vpnAttach} does not propagate there, and no static route covers it; packets toward the VPN are dropped`,
    )
    expect(commands(outcome.fixes)).toEqual([`aws ec2 enable-transit-gateway-route-table-propagation --transit-gateway-route-table-id ${w.eksRtb} --transit-gateway-attachment-id ${w.vpnAttach} --region ${w.region}`])
  })

  it.each([A, B])('$cluster: a table of static routes without one to the cluster → a static route', async (w) => {
    const t = healthy(w)
    t.routes[w.vpnRtb] = []
    const { outcome } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ROUTE_MISSING' })
    expect(outcome.detail).toContain(`the TGW route table ${w.vpnRtb} (associated with ${w.vpnAttach}, the VPN VPC ${w.vpnVpcId}) has no route to ${w.ips[0]}, ${w.ips[1]}`)
    expect(commands(outcome.fixes)).toEqual([`aws ec2 create-transit-gateway-route --transit-gateway-route-table-id ${w.vpnRtb} --destination-cidr-block ${w.cidr} --transit-gateway-attachment-id ${w.eksAttach} --region ${w.region}`])
  })

  it('the default propagation table counts as one that learns by propagation', async () => {
    const t = healthy(A)
    t.gateway = { id: A.tgw, state: 'available', propagationDefaultRouteTableId: A.vpnRtb }
    t.routes[A.vpnRtb] = []
    const { outcome } = await judge(A, t)
    expect(commands(outcome.fixes)).toEqual([`aws ec2 enable-transit-gateway-route-table-propagation --transit-gateway-route-table-id ${A.vpnRtb} --transit-gateway-attachment-id ${A.eksAttach} --region ${A.region}`])
  })

  it.each([A, B])('$cluster: a static blackhole over the propagated route → remove it', async (w) => {
    const t = healthy(w)
    t.routes[w.eksRtb] = [{ ...staticRoute(w.vpnCidr, undefined, 'blackhole') }, propagatedRoute(w.vpnCidr, w.vpnAttach)]
    const { outcome } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ROUTE_BLACKHOLE' })
    expect(outcome.detail).toContain(`sends ${w.vpnCidr} into a blackhole (${w.vpnCidr} → blackhole (static))`)
    expect(commands(outcome.fixes)).toEqual([`aws ec2 delete-transit-gateway-route --transit-gateway-route-table-id ${w.eksRtb} --destination-cidr-block ${w.vpnCidr} --region ${w.region}`])
  })

  it.each([A, B])('$cluster: a static blackhole with nothing under it → replace it', async (w) => {
    const t = healthy(w)
    t.routes[w.vpnRtb] = [staticRoute(w.cidr, undefined, 'blackhole')]
    const { outcome } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ROUTE_BLACKHOLE' })
    expect(commands(outcome.fixes)).toEqual([`aws ec2 replace-transit-gateway-route --transit-gateway-route-table-id ${w.vpnRtb} --destination-cidr-block ${w.cidr} --transit-gateway-attachment-id ${w.eksAttach} --region ${w.region}`])
  })

  it('a more specific route wins: a /24 blackhole inside the cluster CIDR breaks the IP in it only', async () => {
    const t = healthy(B)
    const slice = '192.168.85.0/24'
    t.routes[B.vpnRtb] = [staticRoute(B.cidr, B.eksAttach), staticRoute(slice, undefined, 'blackhole')]
    const { outcome } = await judge(B, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ROUTE_BLACKHOLE' })
    expect(outcome.detail).toContain(`sends ${B.ips[1]} into a blackhole (${slice} → blackhole (static))`)
    expect(outcome.detail).not.toContain(B.ips[0])
    expect(commands(outcome.fixes)).toEqual([`aws ec2 replace-transit-gateway-route --transit-gateway-route-table-id ${B.vpnRtb} --destination-cidr-block ${slice} --transit-gateway-attachment-id ${B.eksAttach} --region ${B.region}`])
  })

  it.each([A, B])('$cluster: a static route to another attachment → point it at the cluster\'s', async (w) => {
    const t = healthy(w)
    t.routes[w.vpnRtb] = [staticRoute(w.cidr, 'tgw-attach-0oldcluster000000a')]
    const { outcome } = await judge(w, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ROUTE_WRONG_TARGET' })
    expect(outcome.detail).toContain(`sends ${w.ips[0]}, ${w.ips[1]} to tgw-attach-0oldcluster000000a, not ${w.eksAttach}`)
    expect(commands(outcome.fixes)).toEqual([`aws ec2 replace-transit-gateway-route --transit-gateway-route-table-id ${w.vpnRtb} --destination-cidr-block ${w.cidr} --transit-gateway-attachment-id ${w.eksAttach} --region ${w.region}`])
  })

  it('a propagated route from another attachment → a static route of the same prefix overrides it', async () => {
    const t = healthy(A)
    t.routes[A.eksRtb] = [propagatedRoute(A.vpnCidr, 'tgw-attach-0overlap0000000b')]
    const { outcome } = await judge(A, t)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ROUTE_WRONG_TARGET' })
    expect(commands(outcome.fixes)).toEqual([`aws ec2 create-transit-gateway-route --transit-gateway-route-table-id ${A.eksRtb} --destination-cidr-block ${A.vpnCidr} --transit-gateway-attachment-id ${A.vpnAttach} --region ${A.region}`])
  })

  it('every broken link is named in packet order, the first one is the code, every fix is given', async () => {
    const t = healthy(B)
    t.routes[B.eksRtb] = []
    t.propagations[B.eksRtb] = []
    t.vpcAttachments[0] = { ...t.vpcAttachments[0]!, subnetIds: [B.subnets[1]] }
    t.routes[B.vpnRtb] = []
    const { outcome } = await judge(B, t)
    expect(outcome.code).toBe('TGW_ROUTE_MISSING')
    const detail = outcome.detail
    expect(detail.indexOf(`${B.vpnRtb} (associated with ${B.vpnAttach}`)).toBeLessThan(detail.indexOf(`${B.eksAttach} of the cluster VPC`))
    expect(detail.indexOf(`${B.eksAttach} of the cluster VPC`)).toBeLessThan(detail.indexOf(`${B.eksRtb} (associated with ${B.eksAttach}`))
    expect(commands(outcome.fixes).map((c) => c.split(' ')[2])).toEqual(['create-transit-gateway-route', 'modify-transit-gateway-vpc-attachment', 'create-transit-gateway-route'])
  })

  it('in a check, a TGW failure explains the dropped SYN', async () => {
    const tcp: CheckResult = { id: 'network.tcp-connect', layer: 'network', status: 'fail', code: 'TCP_TIMEOUT', title: 'TCP', detail: 'timed out', evidence: {}, durationMs: 2000 }
    const t = healthy(A)
    t.routes[A.vpnRtb] = []
    const { outcome } = await judge(A, t, { options: { mode: 'check' }, results: { 'network.tcp-connect': tcp } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TGW_ROUTE_MISSING', refines: 'network.tcp-connect', confirmed: true })
  })
})

describe('network.source-cidr with transit gateways', () => {
  const clusterTables = (w: World, routed: boolean): RouteTableInfo[] =>
    w.subnets.map((s, i) => vpcTable(w.tables[i] as string, w.vpcId, [s], [vpcRoute(w.cidr, 'local'), ...(routed ? [vpcRoute(w.vpnCidr, w.tgw)] : [])]))
  const tcp: CheckResult = { id: 'network.tcp-connect', layer: 'network', status: 'fail', code: 'TCP_TIMEOUT', title: 'TCP', detail: 'timed out', evidence: {}, durationMs: 2000 }

  async function source(w: World, o: { routed: boolean; attachments?: TgwAttachmentInfo[]; vpcs?: (ids: string[]) => AwsResult<VpcInfo[]>; gateways?: AwsResult<TransitGatewayInfo[]> }) {
    const asked = { attachments: [] as unknown[], vpcs: [] as string[][], instances: [] as string[][] }
    const all = o.attachments ?? [attachment(w, 'eks'), attachment(w, 'vpn')]
    const env = fakeEnv({
      aws: {
        calls: {
          describeRouteTables: async () => ok(clusterTables(w, o.routed)),
          describePeerings: async () => ok([]),
          describeTransitGatewayAttachments: async (by) => {
            asked.attachments.push(by)
            return ok(all.filter((a) => (by.resourceIds ? by.resourceIds.includes(a.resourceId) : by.transitGatewayIds?.includes(a.transitGatewayId))))
          },
          describeTransitGateways: async (ids) => o.gateways ?? ok(ids.map((id) => ({ id, state: 'available' }))),
          describeVpcs: async (ids) => {
            asked.vpcs.push(ids)
            return o.vpcs?.(ids) ?? ok(ids.map((id) => ({ id, cidrs: id === w.vpnVpcId ? [w.vpnCidr] : ['172.30.0.0/16'] })))
          },
          describeInstances: async (by) => {
            asked.instances.push(by.vpcIds)
            return ok([])
          },
        },
      },
    })
    const outcome = await runProbe(sourceCidrProbe, {
      env,
      target: { cluster: w.cluster, region: w.region },
      data: {
        'cluster.describe': clusterInfo({ name: w.cluster, vpcId: w.vpcId, subnetIds: [...w.subnets] }),
        'cluster.endpoint-enis': { enis: enisOf(w), ips: [...w.ips] },
        'cluster.vpc': { vpcId: w.vpcId, cidrs: [w.cidr] },
      },
      results: { 'network.tcp-connect': tcp },
    })
    return { outcome, asked, path: outcome.data as AwsPath }
  }

  it.each([A, B])('$cluster: a CIDR routed to a TGW gets the attached VPC that holds it, and the router is looked for there', async (w) => {
    const { path, asked } = await source(w, { routed: true })
    expect(path.sources).toEqual([
      { cidr: w.vpnCidr, via: 'tgw', connectionId: w.tgw, remoteVpcId: w.vpnVpcId, why: `routed to ${w.tgw} by ${w.tables[0]}; ${w.vpnVpcId} holds it, attached to ${w.tgw} (${w.vpnAttach})` },
    ])
    expect(asked.attachments).toEqual([{ resourceIds: [w.vpcId] }, { transitGatewayIds: [w.tgw] }])
    expect(asked.instances).toEqual([[w.vpnVpcId]])
    expect(path.transitGateways).toMatchObject({ gatewaysRead: [w.tgw], vpcCidrs: { [w.vpnVpcId]: [w.vpnCidr] }, failures: [] })
  })

  it.each([A, B])('$cluster: no route to anything, but the cluster VPC is attached → each VPC attached beside it is a candidate', async (w) => {
    const other = { ...attachment(w, 'vpn'), id: 'tgw-attach-0sharedsvc00000f1', resourceId: 'vpc-0sharedservices0001' }
    const { outcome, path } = await source(w, { routed: false, attachments: [attachment(w, 'eks'), attachment(w, 'vpn'), other] })
    expect(outcome.status).toBe('pass')
    expect(path.sources.map((s) => [s.cidr, s.remoteVpcId, s.connectionId])).toEqual([
      [w.vpnCidr, w.vpnVpcId, w.tgw],
      ['172.30.0.0/16', 'vpc-0sharedservices0001', w.tgw],
    ])
    expect(path.sources[0]?.why).toBe(`${w.vpnVpcId}, attached to ${w.tgw} (${w.vpnAttach}) as the cluster VPC is (${w.eksAttach}); no endpoint subnet routes it there`)
  })

  it('no route and no attachment: nothing connects the cluster VPC, as before', async () => {
    const { outcome } = await source(A, { routed: false, attachments: [] })
    expect(outcome).toMatchObject({ status: 'fail', code: 'NO_SOURCE_NETWORK' })
  })

  it('a VPC of another account fails the joint DescribeVpcs: each is asked alone', async () => {
    const foreign = { ...attachment(B, 'vpn'), id: 'tgw-attach-0foreign0000000a1', resourceId: 'vpc-0otheraccount00001', resourceOwnerId: '210987654321' }
    const { path, asked } = await source(B, {
      routed: true,
      attachments: [attachment(B, 'eks'), attachment(B, 'vpn'), foreign],
      vpcs: (ids) => (ids.length > 1 || ids[0] === foreign.resourceId ? awsError('AWS_ERROR', 'The vpc ID does not exist', { action: 'ec2:DescribeVpcs', errorName: 'InvalidVpcID.NotFound' }) : ok([{ id: ids[0] as string, cidrs: [B.vpnCidr] }])),
    })
    expect(asked.vpcs).toEqual([[B.vpnVpcId, foreign.resourceId], [B.vpnVpcId], [foreign.resourceId]])
    expect(path.sources[0]?.remoteVpcId).toBe(B.vpnVpcId)
  })
})

describe('routes into a transit gateway that is gone', () => {
  const view = (w: World, gateways: TransitGatewayInfo[], attachments: TgwAttachmentInfo[] = []): TgwView => ({ gateways, gatewaysRead: [w.tgw, ...gateways.map((g) => g.id)], attachments, vpcCidrs: {}, failures: [] })
  const path = (w: World, v: TgwView): AwsPath => ({ ...pathOf(w, healthy(w)), transitGateways: v })

  it.each([A, B])('$cluster: the endpoint routes are blackholes; with no live gateway, the route fix is the TGW check\'s', async (w) => {
    const outcome = await runProbe(routeTablesProbe, { env: fakeEnv(), target: { cluster: w.cluster, region: w.region }, options: { mode: 'audit' }, data: { 'network.source-cidr': path(w, view(w, [])) } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_BLACKHOLE', fixes: [] })
    expect(outcome.detail).toContain(`(${w.vpnCidr} → ${w.tgw}, a target that no longer exists)`)
  })

  it('with the cluster VPC attached to another, available gateway, the route fix points there', async () => {
    const live = 'tgw-0live00000000000a1'
    const v = view(A, [{ id: live, state: 'available' }], [{ ...attachment(A, 'eks'), id: 'tgw-attach-0live0000000000a2', transitGatewayId: live }])
    const outcome = await runProbe(routeTablesProbe, { env: fakeEnv(), target: { cluster: A.cluster, region: A.region }, options: { mode: 'audit' }, data: { 'network.source-cidr': path(A, v) } })
    expect(commands(outcome.fixes)).toEqual(A.tables.map((rtb) => `aws ec2 replace-route --route-table-id ${rtb} --destination-cidr-block ${A.vpnCidr} --transit-gateway-id ${live} --region ${A.region}`))
  })

  it('a gateway that is only modifying still carries traffic', async () => {
    const outcome = await runProbe(routeTablesProbe, { env: fakeEnv(), target: { cluster: B.cluster, region: B.region }, options: { mode: 'audit' }, data: { 'network.source-cidr': path(B, view(B, [{ id: B.tgw, state: 'modifying' }])) } })
    expect(outcome.status).toBe('pass')
  })

  it('the VPN side\'s route into it is a blackhole too', async () => {
    const env = fakeEnv({ aws: { calls: { describeRouteTables: async () => ok([vpcTable(B.vpnTable, B.vpnVpcId, [B.vpnSubnet], [vpcRoute(B.vpnCidr, 'local'), vpcRoute(B.cidr, B.tgw)])]) } } })
    const outcome = await runProbe(vpnRouteProbe, { env, target: { cluster: B.cluster, region: B.region }, options: { mode: 'audit' }, data: { 'network.source-cidr': path(B, view(B, [{ id: B.tgw, state: 'deleted' }])) } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_BLACKHOLE', fixes: [] })
  })
})
