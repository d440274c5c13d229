import { describe, expect, it } from 'vitest'
import type { AwsCallOptions, AwsResult, ClusterInfo } from '../../../../src/aws/clients.js'
import type { EniInfo, InstanceInfo, PeeringInfo, RouteInfo, RouteTableInfo, RouteTargetType, SecurityGroupInfo } from '../../../../src/aws/ec2.js'
import { runProbes } from '../../../../src/engine/run.js'
import type { CheckResult, Probe, ProbeId, ProbeOutcome, RunOptions } from '../../../../src/engine/types.js'
import type { AwsPath } from '../../../../src/probes/network/aws-path.js'
import { sourceCidrProbe } from '../../../../src/probes/network/source-cidr.js'
import { awsError, clusterInfo, DEFAULT_OPTIONS, fakeEnv, makeTarget, runProbe, tailscalePeer, tailscaleState } from '../../../helpers/fake-env.js'

// Two worlds: ids as moto 5.2.1 made them (test/fixtures/ec2/moto-5.2.1/*-world.json).
const A = {
  region: 'eu-west-1',
  cluster: 'payments-prod',
  vpcId: 'vpc-ad871a1e0da75dbf5',
  cidr: '10.20.0.0/16',
  subnets: ['subnet-f61b1bffe218eea85', 'subnet-92aba68e804a2c6a0'] as [string, string],
  ips: ['10.20.1.87', '10.20.2.143'] as [string, string],
  tables: ['rtb-3743723f8369dce27', 'rtb-825cfd1464a364db4'] as [string, string],
  main: 'rtb-26e916293b75c4fb2',
  vpnVpcId: 'vpc-0ad4ae85648d6ac63',
  vpnCidr: '10.99.0.0/16',
  vpnSubnet: 'subnet-98def5f461398b6a4',
  pcx: 'pcx-44c41607739829a5c',
  routerId: 'i-2f7ab6a8b06e9d7bc',
  routerIp: '10.99.0.10',
  routerSg: 'sg-b06828027118bf102',
  tgw: 'tgw-0a1b2c3d4e5f60718',
}
const B = {
  region: 'ap-northeast-2',
  cluster: 'eks-secure-infra-dev',
  vpcId: 'vpc-8a451888f6ca8c214',
  cidr: '10.0.0.0/16',
  subnets: ['subnet-5ac46807a02717c34', 'subnet-e1391bffa06b64baf'] as [string, string],
  ips: ['10.0.10.239', '10.0.11.42'] as [string, string],
  tables: ['rtb-c00d849fe2fb31f72', 'rtb-45a5ce97a0b090767'] as [string, string],
  main: 'rtb-18a397db2c365a2c4',
  vpnVpcId: 'vpc-c8ee1ac8646efef52',
  vpnCidr: '172.31.0.0/16',
  vpnSubnet: 'subnet-ebf919af122f6d8a9',
  pcx: 'pcx-54e030c6cc322fa80',
  routerId: 'i-88bd9f38717d5cd06',
  routerIp: '172.31.9.218',
  routerSg: 'sg-3a18bd2bfcfa1dcd0',
  tgw: 'tgw-c2fdc68cccdf5a276',
}
type World = typeof A

const TYPES: [string, RouteTargetType][] = [['pcx-', 'pcx'], ['tgw-', 'tgw'], ['vgw-', 'vgw'], ['igw-', 'igw'], ['nat-', 'nat'], ['eni-', 'eni'], ['i-', 'instance'], ['local', 'local']]
function route(destination: string, targetId: string, state = 'active', prefixListId?: string): RouteInfo {
  const targetType = TYPES.find(([p]) => targetId.startsWith(p))?.[1] ?? 'other'
  return { destination, targetType, targetId, state, ...(prefixListId ? { prefixListId } : {}) }
}
function table(id: string, vpcId: string, o: { main?: boolean; subnetIds?: string[]; routes: RouteInfo[] }): RouteTableInfo {
  return { id, vpcId, main: o.main ?? false, subnetIds: o.subnetIds ?? [], routes: o.routes }
}
function peering(id: string, requester: { vpcId: string; cidrs: string[] }, accepter: { vpcId: string; cidrs: string[] }, status = 'active', statusMessage?: string): PeeringInfo {
  return {
    id,
    status,
    statusMessage,
    requester: { ...requester, ownerId: '123456789012', allowDnsResolutionFromRemoteVpc: true },
    accepter: { ...accepter, ownerId: '123456789012', allowDnsResolutionFromRemoteVpc: true },
  }
}

const cluster = (w: World): ClusterInfo => clusterInfo({ name: w.cluster, vpcId: w.vpcId, subnetIds: [...w.subnets] })
const enis = (w: World): EniInfo[] =>
  w.subnets.map((subnetId, i) => ({ id: `eni-0${i}${w.cluster.length}`, privateIps: [w.ips[i] as string], subnetId, vpcId: w.vpcId, description: `Amazon EKS ${w.cluster}`, groupIds: [] }))
/** The cluster VPC's tables: one per endpoint subnet, both routing the VPN CIDR through the peering. */
const clusterTables = (w: World): RouteTableInfo[] => [
  table(w.main, w.vpcId, { main: true, routes: [route(w.cidr, 'local')] }),
  table(w.tables[0], w.vpcId, { subnetIds: [w.subnets[0]], routes: [route(w.cidr, 'local'), route(w.vpnCidr, w.pcx)] }),
  table(w.tables[1], w.vpcId, { subnetIds: [w.subnets[1]], routes: [route(w.cidr, 'local'), route(w.vpnCidr, w.pcx)] }),
]
const router = (w: World, sourceDestCheck = false): InstanceInfo => ({
  id: w.routerId,
  privateIp: w.routerIp,
  subnetId: w.vpnSubnet,
  vpcId: w.vpnVpcId,
  sourceDestCheck,
  groupIds: [w.routerSg],
  state: 'running',
  name: `${w.cluster}-tailscale-router`,
})

const ok = <T>(value: T): AwsResult<T> => ({ ok: true, value, ms: 40 })
const tcp = (status: CheckResult['status'], code?: CheckResult['code']): CheckResult => ({
  id: 'network.tcp-connect',
  layer: 'network',
  status,
  title: 'TCP',
  detail: `tcp ${status}`,
  ...(code ? { code } : {}),
  evidence: {},
  durationMs: 5,
})
const TIMED_OUT = tcp('fail', 'TCP_TIMEOUT')

interface Setup {
  tables?: AwsResult<RouteTableInfo[]>
  peerings?: AwsResult<PeeringInfo[]>
  instance?: (by: { instanceId?: string; privateIp?: string }) => AwsResult<InstanceInfo | undefined>
  /** What a search of the VPN VPC's instances finds, and their groups. */
  vpcInstances?: AwsResult<InstanceInfo[]>
  vpcGroups?: AwsResult<SecurityGroupInfo[]>
}

function envFor(w: World, s: Setup = {}) {
  const asked = { tables: [] as unknown[], peerings: [] as string[], instances: [] as unknown[], vpcSearches: [] as string[][], options: [] as AwsCallOptions[] }
  const env = fakeEnv({
    aws: {
      calls: {
        describeRouteTables: async (by, o) => {
          asked.tables.push(by)
          asked.options.push(o)
          return s.tables ?? ok(clusterTables(w))
        },
        describePeerings: async (vpcId) => {
          asked.peerings.push(vpcId)
          return s.peerings ?? ok([peering(w.pcx, { vpcId: w.vpcId, cidrs: [w.cidr] }, { vpcId: w.vpnVpcId, cidrs: [w.vpnCidr] })])
        },
        describeInstances: async (by) => {
          asked.vpcSearches.push(by.vpcIds)
          return s.vpcInstances ?? ok([])
        },
        describeSecurityGroups: async () => s.vpcGroups ?? ok([]),
        // A TGW route's gateway is there; nothing is attached to it (see transit-gateway.test.ts).
        describeTransitGateways: async (ids) => ok(ids.map((id) => ({ id, state: 'available' }))),
        ...(s.instance
          ? {
              describeInstance: async (by) => {
                asked.instances.push(by)
                return s.instance!(by)
              },
            }
          : {}),
      },
    },
  })
  return { env, asked }
}

async function run(w: World, s: Setup & { target?: Record<string, unknown>; options?: Partial<RunOptions>; data?: Record<string, unknown>; tcpResult?: CheckResult | null } = {}) {
  const { env, asked } = envFor(w, s)
  const outcome = await runProbe(sourceCidrProbe, {
    env,
    target: { cluster: w.cluster, region: w.region, ...s.target },
    options: s.options,
    data: {
      'cluster.describe': cluster(w),
      'cluster.endpoint-enis': { enis: enis(w), ips: [...w.ips] },
      'cluster.vpc': { vpcId: w.vpcId, cidrs: [w.cidr] },
      ...s.data,
    },
    results: s.tcpResult === null ? {} : { 'network.tcp-connect': s.tcpResult ?? TIMED_OUT },
  })
  return { outcome, asked, path: outcome.data as AwsPath }
}

describe('network.source-cidr: the gate', () => {
  it.each([
    { name: 'TCP passed', result: tcp('pass'), why: 'TCP reaches every endpoint IP: the AWS path needs no reading' },
    { name: 'TCP refused', result: tcp('fail', 'TCP_REFUSED'), why: 'TCP failed with TCP_REFUSED, which no AWS rule explains (they drop silently)' },
    { name: 'TCP unreachable', result: tcp('fail', 'TCP_UNREACHABLE'), why: 'TCP failed with TCP_UNREACHABLE, which no AWS rule explains (they drop silently)' },
    { name: 'TCP skipped', result: tcp('skip'), why: 'TCP was not tried: the AWS path is read only to explain a dropped connection' },
    { name: 'TCP absent', result: null, why: 'TCP was not tried: the AWS path is read only to explain a dropped connection' },
  ])('$name → skip without one AWS call', async ({ result, why }) => {
    // No AWS call is given to this env: any call would fail the test.
    const env = fakeEnv()
    const outcome = await runProbe(sourceCidrProbe, {
      env,
      target: { cluster: A.cluster, region: A.region },
      data: { 'cluster.describe': cluster(A) },
      results: result ? { 'network.tcp-connect': result } : {},
    })
    expect(outcome).toEqual({ status: 'skip', detail: why })
  })

  it.each([
    { name: 'TCP timed out', result: TIMED_OUT, mode: 'check' as const },
    { name: 'TCP partly timed out', result: tcp('fail', 'TCP_PARTIAL'), mode: 'check' as const },
    { name: 'the audit, without any TCP result', result: null, mode: 'audit' as const },
  ])('$name → reads the AWS side', async ({ result, mode }) => {
    const { outcome, asked } = await run(B, { tcpResult: result, options: { mode } })
    expect(outcome.status).toBe('pass')
    expect(asked.tables).toEqual([{ vpcId: B.vpcId }])
    expect(asked.peerings).toEqual([B.vpcId])
    expect(asked.options[0]).toMatchObject({ region: B.region })
  })

  it('skips when DescribeCluster named no VPC', async () => {
    const env = fakeEnv()
    const outcome = await runProbe(sourceCidrProbe, {
      env,
      target: { cluster: A.cluster, region: A.region },
      data: { 'cluster.describe': clusterInfo({ name: A.cluster }) },
      results: { 'network.tcp-connect': TIMED_OUT },
    })
    expect(outcome).toEqual({ status: 'skip', detail: 'DescribeCluster named no VPC' })
  })
})

describe('network.source-cidr: inferred from the peerings', () => {
  it.each([
    { w: A, side: 'requester' as const },
    { w: B, side: 'accepter' as const },
  ])('the VPC on the other side of $w.pcx ($w.cluster is the $side)', async ({ w, side }) => {
    const clusterSide = { vpcId: w.vpcId, cidrs: [w.cidr] }
    const vpnSide = { vpcId: w.vpnVpcId, cidrs: [w.vpnCidr] }
    const p = side === 'requester' ? peering(w.pcx, clusterSide, vpnSide) : peering(w.pcx, vpnSide, clusterSide)
    const { outcome, path } = await run(w, { peerings: ok([p]) })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${w.vpnCidr}: the VPC on the other side of ${w.pcx} (active)`)
    expect(path.sources).toEqual([{ cidr: w.vpnCidr, via: 'peering', connectionId: w.pcx, remoteVpcId: w.vpnVpcId, why: `the VPC on the other side of ${w.pcx} (active)` }])
    expect(path.clusterVpcId).toBe(w.vpcId)
    expect(path.clusterCidrs).toEqual([w.cidr])
    expect(path.peerings).toEqual([p])
    expect(path.endpointSubnets.map((s) => [s.subnetId, s.ips, s.table?.id])).toEqual([
      [w.subnets[0], [w.ips[0]], w.tables[0]],
      [w.subnets[1], [w.ips[1]], w.tables[1]],
    ])
    expect(outcome.evidence).toMatchObject({
      sources: [{ cidr: w.vpnCidr, via: 'peering', connection: w.pcx, remoteVpc: w.vpnVpcId }],
      endpointSubnets: [
        { subnet: w.subnets[0], ips: [w.ips[0]], routeTable: w.tables[0] },
        { subnet: w.subnets[1], ips: [w.ips[1]], routeTable: w.tables[1] },
      ],
      router: null,
      peeringsReadable: true,
    })
  })

  it.each([
    { status: 'pending-acceptance', message: 'Pending Acceptance by 123456789012' },
    { status: 'deleted', message: 'Deleted by 123456789012' },
    { status: 'failed', message: 'Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range' },
  ])('a peering in any status ($status) still says where traffic comes from', async ({ status, message }) => {
    const p = peering(A.pcx, { vpcId: A.vpnVpcId, cidrs: [A.vpnCidr] }, { vpcId: A.vpcId, cidrs: [A.cidr] }, status, message)
    const { outcome, path } = await run(A, { peerings: ok([p]) })
    expect(outcome.status).toBe('pass')
    expect(path.sources).toEqual([expect.objectContaining({ cidr: A.vpnCidr, connectionId: A.pcx, why: `the VPC on the other side of ${A.pcx} (${status})` })])
  })

  it('every CIDR of a multi-CIDR remote VPC is a source, and a route to a peering adds none twice', async () => {
    const p = peering(B.pcx, { vpcId: B.vpcId, cidrs: [B.cidr] }, { vpcId: B.vpnVpcId, cidrs: [B.vpnCidr, '100.64.0.0/16'] })
    const { path } = await run(B, { peerings: ok([p]) })
    expect(path.sources.map((s) => [s.cidr, s.via, s.connectionId])).toEqual([
      [B.vpnCidr, 'peering', B.pcx],
      ['100.64.0.0/16', 'peering', B.pcx],
    ])
  })

  it('a subnet without its own association uses the main table; without ENIs the cluster subnets are used', async () => {
    const tables = [
      table(A.main, A.vpcId, { main: true, routes: [route(A.cidr, 'local'), route(A.vpnCidr, A.pcx)] }),
      table(A.tables[1], A.vpcId, { subnetIds: [A.subnets[1]], routes: [route(A.cidr, 'local'), route(A.vpnCidr, A.pcx)] }),
    ]
    const { path } = await run(A, { tables: ok(tables), data: { 'cluster.endpoint-enis': undefined } })
    expect(path.endpointSubnets.map((s) => [s.subnetId, s.ips, s.table?.id, s.table?.main])).toEqual([
      [A.subnets[0], [], A.main, true],
      [A.subnets[1], [], A.tables[1], false],
    ])
  })

  it('peerings that cannot be read leave the routes to go by', async () => {
    const tables = [
      table(B.main, B.vpcId, { main: true, routes: [route(B.cidr, 'local')] }),
      table(B.tables[0], B.vpcId, { subnetIds: [B.subnets[0]], routes: [route(B.cidr, 'local'), route(B.vpnCidr, B.pcx)] }),
      table(B.tables[1], B.vpcId, { subnetIds: [B.subnets[1]], routes: [route(B.cidr, 'local'), route(B.vpnCidr, B.pcx)] }),
    ]
    const { outcome, path } = await run(B, {
      tables: ok(tables),
      peerings: awsError('AWS_ACCESS_DENIED', 'not authorized', { action: 'ec2:DescribeVpcPeeringConnections' }),
    })
    expect(outcome.status).toBe('pass')
    expect(path.sources).toEqual([{ cidr: B.vpnCidr, via: 'peering', connectionId: B.pcx, why: `routed to ${B.pcx} by ${B.tables[0]}` }])
    expect(path.peerings).toEqual([])
    expect(outcome.evidence).toMatchObject({ peeringsReadable: false })
  })
})

describe('network.source-cidr: inferred from TGW and VGW routes of the endpoint subnets', () => {
  it.each([
    { w: A, corp: '192.168.0.0/16', vgw: 'vgw-0f1e2d3c4b5a69788', onPrem: '10.128.0.0/12' },
    { w: B, corp: '172.16.0.0/16', vgw: 'vgw-07a6b5c4d3e2f1001', onPrem: '192.168.0.0/16' },
  ])('$w.cluster: a TGW route and a VGW route are sources; default, in-VPC, prefix-list and IGW/NAT routes are not', async ({ w, corp, vgw, onPrem }) => {
    const routes = [
      route(w.cidr, 'local'),
      route(corp, w.tgw),
      route('0.0.0.0/0', w.tgw),
      route('0.0.0.0/0', 'nat-0123456789abcdef0'),
      // Inside the cluster VPC's own CIDR: not a VPN source even though it points at the TGW.
      route(w.cidr.replace('/16', '/17'), w.tgw),
      route('pl-6fa54006', w.tgw, 'active', 'pl-6fa54006'),
      route('203.0.113.0/24', 'igw-a2a4f1686dafb5fe8'),
    ]
    const tables = [
      table(w.main, w.vpcId, { main: true, routes: [route(w.cidr, 'local')] }),
      table(w.tables[0], w.vpcId, { subnetIds: [...w.subnets], routes }),
      table('rtb-0unrelated000000', w.vpcId, { subnetIds: ['subnet-0unrelated'], routes: [route(w.cidr, 'local'), route(onPrem, vgw), route('10.250.0.0/16', w.tgw)] }),
    ]
    const { outcome, path } = await run(w, { tables: ok(tables), peerings: ok([]) })
    expect(outcome.status).toBe('pass')
    expect(path.sources).toEqual([{ cidr: corp, via: 'tgw', connectionId: w.tgw, why: `routed to ${w.tgw} by ${w.tables[0]}` }])

    const withVgw = [table(w.tables[0], w.vpcId, { subnetIds: [...w.subnets], routes: [route(w.cidr, 'local'), route(onPrem, vgw)] })]
    const second = await run(w, { tables: ok(withVgw), peerings: ok([]) })
    expect(second.path.sources).toEqual([{ cidr: onPrem, via: 'vgw', connectionId: vgw, why: `routed to ${vgw} by ${w.tables[0]}` }])
  })
  it.each([A, B])('$cluster: the VPCs once peered, now joined by a TGW: the routes to the TGW speak for the VPN CIDR, not the deleted peering', async (w) => {
    const dead = peering(w.pcx, { vpcId: w.vpnVpcId, cidrs: [w.vpnCidr] }, { vpcId: w.vpcId, cidrs: [w.cidr] }, 'deleted', 'Deleted by 123456789012')
    const tables = [table(w.tables[0], w.vpcId, { subnetIds: [...w.subnets], routes: [route(w.cidr, 'local'), route(w.vpnCidr, w.tgw)] })]
    const { path } = await run(w, { tables: ok(tables), peerings: ok([dead]) })
    expect(path.sources).toEqual([{ cidr: w.vpnCidr, via: 'tgw', connectionId: w.tgw, why: `routed to ${w.tgw} by ${w.tables[0]}` }])
  })

  it('a route to a dead peering gives way to an active peering to the same network', async () => {
    const active = peering(A.pcx, { vpcId: A.vpnVpcId, cidrs: [A.vpnCidr] }, { vpcId: A.vpcId, cidrs: [A.cidr] })
    const gone = 'pcx-0aaaabbbbccccdddd'
    const deleted = peering(gone, { vpcId: A.vpnVpcId, cidrs: [A.vpnCidr] }, { vpcId: A.vpcId, cidrs: [A.cidr] }, 'deleted', 'Deleted by 123456789012')
    const tables = [table(A.tables[0], A.vpcId, { subnetIds: [...A.subnets], routes: [route(A.cidr, 'local'), route(A.vpnCidr, gone)] })]
    const { path } = await run(A, { tables: ok(tables), peerings: ok([deleted, active]) })
    expect(path.sources.map((s) => [s.cidr, s.connectionId])).toEqual([[A.vpnCidr, A.pcx]])
  })
})

describe('network.source-cidr: --source-cidr', () => {
  it.each([
    { w: A, flag: '10.99.0.0/24', connection: A.pcx, why: `given with --source-cidr; it arrives over ${A.pcx}` },
    { w: B, flag: '172.31.0.0/16', connection: B.pcx, why: `given with --source-cidr; it arrives over ${B.pcx}` },
    { w: B, flag: '100.64.0.0/10', connection: undefined, why: 'given with --source-cidr' },
  ])('$flag in $w.cluster replaces what was inferred ($why)', async ({ w, flag, connection, why }) => {
    const { outcome, path } = await run(w, { target: { sourceCidr: flag } })
    expect(outcome.status).toBe('pass')
    expect(path.sources).toHaveLength(1)
    expect(path.sources[0]).toMatchObject({ cidr: flag, via: 'flag', why })
    expect(path.sources[0]?.connectionId).toBe(connection)
    if (connection) expect(path.sources[0]?.remoteVpcId).toBe(w.vpnVpcId)
    expect(outcome.detail).toBe(`${flag}: ${why}`)
  })
})

describe('network.source-cidr: narrowed by the VPN router', () => {
  const twoPeerings = (w: World) =>
    ok([
      peering(w.pcx, { vpcId: w.vpcId, cidrs: [w.cidr] }, { vpcId: w.vpnVpcId, cidrs: [w.vpnCidr] }),
      peering('pcx-0ther0000000000000', { vpcId: 'vpc-0shared00000000000', cidrs: ['10.50.0.0/16'] }, { vpcId: w.vpcId, cidrs: [w.cidr] }),
    ])

  it.each([
    { w: A, target: { vpnIp: A.routerIp }, by: { privateIp: A.routerIp }, how: '--vpn-ip' },
    { w: B, target: { vpnInstance: B.routerId }, by: { instanceId: B.routerId }, how: '--vpn-instance' },
  ])('$how picks the peered VPC that holds the router ($w.cluster)', async ({ w, target, by, how }) => {
    const { outcome, path, asked } = await run(w, { target, peerings: twoPeerings(w), instance: () => ok(router(w)) })
    expect(asked.instances).toEqual([by])
    expect(outcome.status).toBe('pass')
    expect(path.sources).toEqual([
      {
        cidr: w.vpnCidr,
        via: 'peering',
        connectionId: w.pcx,
        remoteVpcId: w.vpnVpcId,
        why: `the VPC on the other side of ${w.pcx} (active); it holds the VPN router ${w.routerId} (${w.routerIp})`,
      },
    ])
    expect(path.router).toEqual({ ...router(w), how })
    expect(outcome.evidence).toMatchObject({ router: { id: w.routerId, privateIp: w.routerIp, found: how } })
  })

  it.each([
    { w: B, hostName: 'ip-172-31-9-218', ip: '172.31.9.218' },
    { w: A, hostName: 'ip-10-99-0-10.eu-west-1.compute.internal', ip: '10.99.0.10' },
  ])('the Tailscale peer serving the endpoint, named $hostName, is the router', async ({ w, hostName, ip }) => {
    const peer = tailscalePeer({ hostName, tailscaleIPs: ['100.101.7.9'], allowedIPs: ['100.101.7.9/32', w.cidr], primaryRoutes: [w.cidr] })
    const other = tailscalePeer({ hostName: 'ip-10-50-3-3', tailscaleIPs: ['100.101.7.10'], allowedIPs: ['100.101.7.10/32', '10.50.0.0/16'] })
    const { path, asked } = await run(w, {
      peerings: twoPeerings(w),
      instance: () => ok(router(w)),
      data: { 'routing.tailscale': tailscaleState({ peers: [other, peer] }) },
    })
    expect(asked.instances).toEqual([{ privateIp: ip }])
    expect(path.router?.how).toBe(`the Tailscale peer's EC2 host name (${ip})`)
    expect(path.sources.map((s) => s.cidr)).toEqual([w.vpnCidr])
  })

  it.each([
    { name: 'a peer name that is not an EC2 host name', hostName: 'vpn-router-1' },
    { name: 'no peer serving the endpoint', hostName: 'ip-10-99-0-10', routes: ['192.168.0.0/16'] },
  ])('$name: no router lookup, nothing narrowed', async ({ hostName, routes }) => {
    const peer = tailscalePeer({ hostName, tailscaleIPs: ['100.101.7.9'], allowedIPs: ['100.101.7.9/32', ...(routes ?? [A.cidr])] })
    // No describeInstance is given: a lookup would fail the test.
    const { path } = await run(A, { peerings: twoPeerings(A), data: { 'routing.tailscale': tailscaleState({ peers: [peer] }) } })
    expect(path.router).toBeUndefined()
    expect(path.sources.map((s) => s.cidr)).toEqual([A.vpnCidr, '10.50.0.0/16'])
  })

  it('--vpn-ip that matches no instance is reported, and nothing is narrowed', async () => {
    const { outcome, path } = await run(B, { target: { vpnIp: '172.31.9.9' }, peerings: twoPeerings(B), instance: () => ok(undefined) })
    expect(outcome.status).toBe('pass')
    expect(path.router).toBeUndefined()
    expect(outcome.evidence?.router).toEqual({ error: 'no instance with private IP 172.31.9.9' })
    expect(path.sources.map((s) => s.cidr)).toEqual([B.vpnCidr, '10.50.0.0/16'])
  })

  it('a router lookup that fails is reported with its message', async () => {
    const { outcome, path } = await run(A, {
      target: { vpnInstance: A.routerId },
      instance: () => awsError('AWS_ACCESS_DENIED', 'You are not authorized to perform this operation.', { action: 'ec2:DescribeInstances' }),
    })
    expect(outcome.status).toBe('pass')
    expect(path.router).toBeUndefined()
    expect(outcome.evidence?.router).toEqual({ error: 'You are not authorized to perform this operation.' })
  })

  it('a router outside every candidate narrows nothing', async () => {
    const outside = { ...router(A), privateIp: '10.77.0.5', vpcId: 'vpc-0e1sewhere0000000' }
    const { path } = await run(A, { target: { vpnIp: '10.77.0.5' }, peerings: twoPeerings(A), instance: () => ok(outside) })
    expect(path.router?.privateIp).toBe('10.77.0.5')
    expect(path.sources.map((s) => s.cidr)).toEqual([A.vpnCidr, '10.50.0.0/16'])
  })
})

describe('network.source-cidr: nothing connects the cluster VPC', () => {
  const isolated = (w: World) => ok([table(w.main, w.vpcId, { main: true, routes: [route(w.cidr, 'local'), route('0.0.0.0/0', 'igw-a2a4f1686dafb5fe8')] })])

  it.each([A, B])('$cluster: fail routing, not confirmed, refining the TCP timeout', async (w) => {
    const { outcome, path } = await run(w, { tables: isolated(w), peerings: ok([]) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'NO_SOURCE_NETWORK', category: 'routing', confirmed: false, refines: 'network.tcp-connect' })
    expect(outcome.detail).toBe(`nothing connects ${w.vpcId} to the VPN: no VPC peering, and no TGW or VGW route in the endpoint subnets' route tables`)
    expect(outcome.alternatives).toEqual([expect.objectContaining({ category: 'security-group', summary: expect.stringContaining('--source-cidr') })])
    expect(path.sources).toEqual([])
  })

  it('in the audit it stands alone: no refines, still not confirmed', async () => {
    const { outcome } = await run(A, { tables: isolated(A), peerings: ok([]), options: { mode: 'audit' }, tcpResult: null })
    expect(outcome).toMatchObject({ status: 'fail', code: 'NO_SOURCE_NETWORK', confirmed: false })
    expect(outcome.refines).toBeUndefined()
  })

  it('route tables that cannot be read make it skip with the action', async () => {
    const { outcome } = await run(B, { tables: awsError('AWS_ACCESS_DENIED', 'not authorized', { action: 'ec2:DescribeRouteTables', errorName: 'UnauthorizedOperation' }) })
    expect(outcome).toMatchObject({ status: 'skip', code: 'AWS_ACCESS_DENIED', detail: 'not allowed to call ec2:DescribeRouteTables: allow it to settle this link' })
  })
})

describe('network.source-cidr in the engine: dependents follow the gate', () => {
  const stub = (id: ProbeId, outcome: ProbeOutcome): Probe => ({ id, layer: id.split('.')[0] as Probe['layer'], title: id, run: async () => outcome })
  const describeStub = stub('cluster.describe', { status: 'pass', detail: 'described', data: cluster(A) })
  const dependent: Probe = { id: 'network.security-group', layer: 'network', title: 'dependent', needs: ['network.source-cidr'], run: async () => ({ status: 'pass', detail: 'ran' }) }

  it.each([
    { name: 'TCP passed', tcpOutcome: { status: 'pass', detail: 'connected' } as ProbeOutcome, source: 'skip', dep: 'skip' },
    { name: 'TCP refused', tcpOutcome: { status: 'fail', code: 'TCP_REFUSED', detail: 'refused' } as ProbeOutcome, source: 'skip', dep: 'skip' },
    { name: 'TCP timed out', tcpOutcome: { status: 'fail', code: 'TCP_TIMEOUT', detail: 'timeout' } as ProbeOutcome, source: 'pass', dep: 'pass' },
  ])('$name: source-cidr $source, its dependents $dep', async ({ tcpOutcome, source, dep }) => {
    const { env } = envFor(A)
    const results = await runProbes([describeStub, stub('network.tcp-connect', tcpOutcome), sourceCidrProbe, dependent], {
      env,
      target: makeTarget({ cluster: A.cluster, region: A.region }),
      options: DEFAULT_OPTIONS,
    })
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['cluster.describe', 'pass'],
      ['network.tcp-connect', tcpOutcome.status],
      ['network.source-cidr', source],
      ['network.security-group', dep],
    ])
    if (dep === 'skip') expect(results[3]?.skippedBecause).toBe('network.source-cidr')
    expect(env.problems).toEqual([])
  })

  it('the audit runs it without a TCP probe at all', async () => {
    const { env } = envFor(B)
    const results = await runProbes([stub('cluster.describe', { status: 'pass', detail: 'described', data: cluster(B) }), sourceCidrProbe, dependent], {
      env,
      target: makeTarget({ cluster: B.cluster, region: B.region }),
      options: { ...DEFAULT_OPTIONS, mode: 'audit' },
    })
    expect(results.map((r) => r.status)).toEqual(['pass', 'pass', 'pass'])
  })
})
