import { describe, expect, it } from 'vitest'
import type { AwsCallOptions, AwsResult, ClusterInfo } from '../../../../src/aws/clients.js'
import type { InstanceInfo, PeeringInfo, RouteInfo, RouteTableInfo, RouteTargetType } from '../../../../src/aws/ec2.js'
import { runProbes } from '../../../../src/engine/run.js'
import type { Probe, ProbeId, ProbeOutcome, RunOptions } from '../../../../src/engine/types.js'
import type { AwsPath, SourceNetwork } from '../../../../src/probes/network/aws-path.js'
import { sourceCidrProbe } from '../../../../src/probes/network/source-cidr.js'
import { vpnRouteProbe } from '../../../../src/probes/network/vpn-route.js'
import { awsError, clusterInfo, DEFAULT_OPTIONS, fakeEnv, makeTarget, runProbe } from '../../../helpers/fake-env.js'

const A = {
  region: 'eu-west-1',
  cluster: 'payments-prod',
  vpcId: 'vpc-ad871a1e0da75dbf5',
  cidr: '10.20.0.0/16',
  subnets: ['subnet-f61b1bffe218eea85', 'subnet-92aba68e804a2c6a0'],
  ips: ['10.20.1.87', '10.20.2.143'],
  vpnVpcId: 'vpc-0ad4ae85648d6ac63',
  vpnCidr: '10.99.0.0/16',
  vpnSubnet: 'subnet-98def5f461398b6a4',
  vpnTable: 'rtb-a0d4819bd73c3d458',
  vpnMain: 'rtb-1d57f788a86b0fad1',
  pcx: 'pcx-44c41607739829a5c',
  oldPcx: 'pcx-0dead0ld00000beef',
  routerId: 'i-2f7ab6a8b06e9d7bc',
  routerIp: '10.99.0.10',
}
const B = {
  region: 'ap-northeast-2',
  cluster: 'eks-secure-infra-dev',
  vpcId: 'vpc-8a451888f6ca8c214',
  cidr: '10.0.0.0/16',
  subnets: ['subnet-5ac46807a02717c34', 'subnet-e1391bffa06b64baf'],
  ips: ['10.0.10.239', '10.0.11.42'],
  vpnVpcId: 'vpc-c8ee1ac8646efef52',
  vpnCidr: '172.31.0.0/16',
  vpnSubnet: 'subnet-ebf919af122f6d8a9',
  vpnTable: 'rtb-302986e60ae7bb70e',
  vpnMain: 'rtb-dc7ad93b9cbc14ad3',
  pcx: 'pcx-54e030c6cc322fa80',
  oldPcx: 'pcx-07ld0000000000aa1',
  routerId: 'i-88bd9f38717d5cd06',
  routerIp: '172.31.9.218',
}
type World = typeof A

const TYPES: [string, RouteTargetType][] = [['pcx-', 'pcx'], ['tgw-', 'tgw'], ['igw-', 'igw'], ['eni-', 'eni'], ['i-', 'instance'], ['local', 'local']]
const route = (destination: string, targetId: string, state = 'active'): RouteInfo => ({ destination, targetType: TYPES.find(([p]) => targetId.startsWith(p))?.[1] ?? 'other', targetId, state })
const table = (id: string, vpcId: string, routes: RouteInfo[], o: { main?: boolean; subnetIds?: string[] } = {}): RouteTableInfo => ({ id, vpcId, main: o.main ?? false, subnetIds: o.subnetIds ?? [], routes })

/** The VPN VPC: a main table with local only, the router subnet's table with the IGW default and the route back. */
function vpnTables(w: World, routerRoutes: RouteInfo[] = [route(w.cidr, w.pcx)]): RouteTableInfo[] {
  return [
    table(w.vpnMain, w.vpnVpcId, [route(w.vpnCidr, 'local')], { main: true }),
    table(w.vpnTable, w.vpnVpcId, [route(w.vpnCidr, 'local'), route('0.0.0.0/0', 'igw-a2a4f1686dafb5fe8'), ...routerRoutes], { subnetIds: [w.vpnSubnet] }),
  ]
}
const source = (w: World): SourceNetwork => ({ cidr: w.vpnCidr, via: 'peering', connectionId: w.pcx, remoteVpcId: w.vpnVpcId, why: 'peering' })
const router = (w: World, subnetId = w.vpnSubnet): InstanceInfo & { how: string } => ({
  id: w.routerId,
  privateIp: w.routerIp,
  subnetId,
  vpcId: w.vpnVpcId,
  sourceDestCheck: false,
  groupIds: [],
  state: 'running',
  how: '--vpn-ip',
})
/** The VPN peering, and another active one from the VPN VPC to an older cluster VPC. */
const peeringsOf = (w: World, status = 'active'): PeeringInfo[] => [
  { id: w.pcx, status, requester: { vpcId: w.vpnVpcId, cidrs: [w.vpnCidr] }, accepter: { vpcId: w.vpcId, cidrs: [w.cidr] } },
  { id: w.oldPcx, status: 'active', requester: { vpcId: w.vpnVpcId, cidrs: [w.vpnCidr] }, accepter: { vpcId: 'vpc-0oldcluster000000', cidrs: ['10.40.0.0/16'] } },
]
function path(w: World, o: { router?: AwsPath['router']; sources?: SourceNetwork[]; ips?: boolean; cidrs?: string[]; peerings?: PeeringInfo[] } = {}): AwsPath {
  return {
    clusterVpcId: w.vpcId,
    clusterCidrs: o.cidrs ?? [w.cidr],
    endpointSubnets: w.subnets.map((subnetId, i) => ({ subnetId, ips: o.ips === false ? [] : [w.ips[i] as string] })),
    peerings: o.peerings ?? peeringsOf(w),
    peeringsReadable: true,
    sources: o.sources ?? [source(w)],
    router: o.router,
  }
}
const ok = <T>(value: T): AwsResult<T> => ({ ok: true, value, ms: 30 })

async function run(w: World, p: AwsPath, tables: AwsResult<RouteTableInfo[]>, options: Partial<RunOptions> = {}) {
  const asked: { by: { vpcId?: string; subnetIds?: string[] }; o: AwsCallOptions }[] = []
  const env = fakeEnv({
    aws: {
      calls: {
        describeRouteTables: async (by, o) => {
          asked.push({ by, o })
          return tables
        },
      },
    },
  })
  const outcome = await runProbe(vpnRouteProbe, { env, target: { cluster: w.cluster, region: w.region }, options, data: { 'network.source-cidr': p } })
  return { outcome, asked }
}

describe('network.vpn-route: with the VPN router known', () => {
  it.each([A, B])("$cluster: the router subnet's table routes the endpoint IPs through the peering", async (w) => {
    const { outcome, asked } = await run(w, path(w, { router: router(w) }), ok(vpnTables(w)))
    expect(asked).toEqual([{ by: { vpcId: w.vpnVpcId }, o: expect.objectContaining({ region: w.region }) }])
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${w.vpnTable} routes ${w.ips.join(', ')} through ${w.pcx}`)
    expect(outcome.evidence).toEqual({
      vpc: w.vpnVpcId,
      basis: `the route table of the VPN router's subnet ${w.vpnSubnet}`,
      tables: [{ routeTable: w.vpnTable, main: false, routes: w.ips.map((ip) => ({ to: ip, route: `${w.cidr} → ${w.pcx} (active)`, verdict: 'ok' })) }],
    })
  })

  it.each([A, B])("$cluster: the router subnet's table has no route back → create-route, confirmed", async (w) => {
    // Another subnet's table has the route; it does not help the router.
    const tables = [...vpnTables(w, []), table('rtb-0private00000000', w.vpnVpcId, [route(w.cidr, w.pcx)], { subnetIds: ['subnet-0private00000000'] })]
    const { outcome } = await run(w, path(w, { router: router(w) }), ok(tables))
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_MISSING', category: 'routing', refines: 'network.tcp-connect', confirmed: true })
    expect(outcome.detail).toBe(`on the VPN side, ${w.vpnTable} of ${w.vpnVpcId} has no route to ${w.ips[0]} through ${w.pcx}: packets never leave the VPN VPC`)
    expect(outcome.fixes?.map((f) => f.commands)).toEqual([
      [`aws ec2 create-route --route-table-id ${w.vpnTable} --destination-cidr-block ${w.cidr} --vpc-peering-connection-id ${w.pcx} --region ${w.region}`],
    ])
    expect(outcome.fixes?.[0]?.why).toContain(`the VPN VPC ${w.vpnVpcId}`)
    expect(outcome.evidence?.tables).toEqual([
      { routeTable: w.vpnTable, main: false, routes: w.ips.map((ip) => ({ to: ip, route: '0.0.0.0/0 → igw-a2a4f1686dafb5fe8 (active)', verdict: 'missing' })) },
    ])
  })

  it.each([A, B])('$cluster: a blackhole route to the cluster → replace-route', async (w) => {
    const { outcome } = await run(w, path(w, { router: router(w) }), ok(vpnTables(w, [route(w.cidr, w.pcx, 'blackhole')])))
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_BLACKHOLE', category: 'routing', confirmed: true })
    expect(outcome.detail).toBe(`on the VPN side, ${w.vpnTable} of ${w.vpnVpcId} sends the cluster into a blackhole: packets never leave the VPN VPC`)
    expect(outcome.fixes?.[0]?.commands).toEqual([`aws ec2 replace-route --route-table-id ${w.vpnTable} --destination-cidr-block ${w.cidr} --vpc-peering-connection-id ${w.pcx} --region ${w.region}`])
  })

  it('a route through the VPN peering after it was deleted is a blackhole (EC2 may still say active)', async () => {
    const { outcome } = await run(B, path(B, { router: router(B), peerings: peeringsOf(B, 'deleted') }), ok(vpnTables(B)))
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_BLACKHOLE' })
    // The route goes to the active peering that replaces the dead one, looked up when the command runs.
    expect(outcome.fixes?.[0]?.commands[0]).toBe(
      `aws ec2 replace-route --route-table-id ${B.vpnTable} --destination-cidr-block ${B.cidr} --vpc-peering-connection-id "$(aws ec2 describe-vpc-peering-connections --region ${B.region} --query "VpcPeeringConnections[?Status.Code=='active' && RequesterVpcInfo.VpcId=='${B.vpnVpcId}' && AccepterVpcInfo.VpcId=='${B.vpcId}'].VpcPeeringConnectionId | [0]" --output text)" --region ${B.region}`,
    )
  })

  it('a route to the cluster through another active peering: the fix replaces it (create-route would be refused)', async () => {
    const { outcome } = await run(A, path(A, { router: router(A) }), ok(vpnTables(A, [route(A.cidr, A.oldPcx)])))
    expect(outcome.status).toBe('fail')
    // An existing route for the same destination makes create-route fail with RouteAlreadyExists.
    expect(outcome.fixes?.[0]?.commands[0]).toBe(`aws ec2 replace-route --route-table-id ${A.vpnTable} --destination-cidr-block ${A.cidr} --vpc-peering-connection-id ${A.pcx} --region ${A.region}`)
  })

  it('a router subnet without its own table uses the main one', async () => {
    const tables = [table(B.vpnMain, B.vpnVpcId, [route(B.vpnCidr, 'local'), route(B.cidr, B.pcx)], { main: true })]
    const { outcome } = await run(B, path(B, { router: router(B, 'subnet-0norouteassoc0000') }), ok(tables))
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${B.vpnMain} routes ${B.ips.join(', ')} through ${B.pcx}`)
    expect(outcome.evidence?.basis).toBe("the route table of the VPN router's subnet subnet-0norouteassoc0000")
  })

  it('the router picks which peered VPC to read', async () => {
    const other: SourceNetwork = { cidr: '10.50.0.0/16', via: 'peering', connectionId: 'pcx-0ther0000000000000', remoteVpcId: 'vpc-0shared00000000000', why: 'peering' }
    const { asked } = await run(A, path(A, { router: router(A), sources: [other, source(A)] }), ok(vpnTables(A)))
    expect(asked.map((a) => a.by)).toEqual([{ vpcId: A.vpnVpcId }])
  })

  it('in the audit the finding stands alone', async () => {
    const { outcome } = await run(A, path(A, { router: router(A) }), ok(vpnTables(A, [])), { mode: 'audit' })
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_MISSING', confirmed: true })
    expect(outcome.refines).toBeUndefined()
  })
})

describe('network.vpn-route: without a known router', () => {
  it.each([A, B])('$cluster: every table that serves a subnet is judged; one that lacks the route gets its own fix, not confirmed', async (w) => {
    // An orphan table (no association) does not count; the main one has no route, the router's may.
    const tables = [...vpnTables(w), table('rtb-0orphan000000000', w.vpnVpcId, [route(w.cidr, w.pcx)])]
    const { outcome } = await run(w, path(w), ok(tables))
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_MISSING', confirmed: false })
    expect(outcome.detail).toBe(
      `no VPN router was identified, so which route table of ${w.vpnVpcId} it uses is not known: ${w.vpnMain} has no route to ${w.ips[0]} through ${w.pcx} (${w.vpnTable} routes it: if the router's subnet uses that one, this is not the cause)`,
    )
    expect(outcome.fixes?.map((f) => f.commands[0])).toEqual([`aws ec2 create-route --route-table-id ${w.vpnMain} --destination-cidr-block ${w.cidr} --vpc-peering-connection-id ${w.pcx} --region ${w.region}`])
    expect(outcome.evidence?.basis).toBe('every route table of the VPC (no VPN router named)')
    expect((outcome.evidence?.tables as { routeTable: string }[]).map((t) => t.routeTable)).toEqual([w.vpnMain, w.vpnTable])
  })

  it.each([A, B])('$cluster: every table that serves a subnet routes back: pass', async (w) => {
    const tables = vpnTables(w).map((t) => ({ ...t, routes: [...t.routes, route(w.cidr, w.pcx)] }))
    const { outcome } = await run(w, path(w), ok(tables))
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${w.vpnMain}, ${w.vpnTable} route ${w.ips.join(', ')} through ${w.pcx}`)
  })

  it.each([A, B])('$cluster: none routes back → fail, not confirmed (the router may use a table not looked at)', async (w) => {
    const { outcome } = await run(w, path(w), ok(vpnTables(w, [])))
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_MISSING', category: 'routing', confirmed: false, refines: 'network.tcp-connect' })
    expect(outcome.detail).toBe(
      `no VPN router was identified, so which route table of ${w.vpnVpcId} it uses is not known: ${w.vpnMain} has no route to ${w.ips[0]} through ${w.pcx}; ${w.vpnTable} has no route to ${w.ips[0]} through ${w.pcx}`,
    )
    expect(outcome.fixes?.map((f) => f.commands[0])).toEqual([
      `aws ec2 create-route --route-table-id ${w.vpnMain} --destination-cidr-block ${w.cidr} --vpc-peering-connection-id ${w.pcx} --region ${w.region}`,
      `aws ec2 create-route --route-table-id ${w.vpnTable} --destination-cidr-block ${w.cidr} --vpc-peering-connection-id ${w.pcx} --region ${w.region}`,
    ])
  })

  it('without endpoint IPs the cluster CIDR is what must be routed', async () => {
    const { outcome } = await run(A, path(A, { ips: false }), ok(vpnTables(A)))
    expect(outcome.detail).toContain(`${A.vpnMain} has no route to ${A.cidr} through ${A.pcx}`)
    expect(outcome.detail).toContain(`(${A.vpnTable} routes it`)
  })

  it('a wider route (the cluster CIDR inside a /8 through the peering) still routes the IPs', async () => {
    const { outcome } = await run(B, { ...path(B), router: { id: 'i-0a1b2c3d4e5f60718', subnetId: B.vpnSubnet, vpcId: B.vpnVpcId, groupIds: [], how: '--vpn-instance' } }, ok(vpnTables(B, [route('10.0.0.0/8', B.pcx)])))
    expect(outcome.status).toBe('pass')
  })
})

describe('network.vpn-route: cannot judge', () => {
  it('skips when the source is not a peered VPC (TGW)', async () => {
    const tgw: SourceNetwork = { cidr: '192.168.0.0/16', via: 'tgw', connectionId: 'tgw-c2fdc68cccdf5a276', why: 'routed' }
    const outcome = await runProbe(vpnRouteProbe, { env: fakeEnv(), target: { cluster: B.cluster, region: B.region }, data: { 'network.source-cidr': path(B, { sources: [tgw] }) } })
    expect(outcome).toEqual({ status: 'skip', detail: 'the source is not a peered VPC in this account and region: its route tables are not readable here' })
  })

  it('skips when neither the endpoint IPs nor the cluster CIDR are known', async () => {
    const { outcome } = await run(A, path(A, { ips: false, cidrs: [] }), ok(vpnTables(A)))
    expect(outcome).toEqual({ status: 'skip', detail: 'neither the endpoint IPs nor the cluster VPC CIDR are known' })
  })

  it('skips when the VPN VPC route tables cannot be read', async () => {
    const { outcome } = await run(B, path(B), awsError('AWS_ACCESS_DENIED', 'not authorized', { action: 'ec2:DescribeRouteTables' }))
    expect(outcome).toMatchObject({ status: 'skip', code: 'AWS_ACCESS_DENIED' })
  })
})

describe('network.vpn-route in the engine: the gate of network.source-cidr', () => {
  const stub = (id: ProbeId, outcome: ProbeOutcome): Probe => ({ id, layer: id.split('.')[0] as Probe['layer'], title: id, run: async () => outcome })
  const cluster = (w: World): ClusterInfo => clusterInfo({ name: w.cluster, vpcId: w.vpcId })
  const peering = (w: World): PeeringInfo => ({ id: w.pcx, status: 'active', requester: { vpcId: w.vpcId, cidrs: [w.cidr] }, accepter: { vpcId: w.vpnVpcId, cidrs: [w.vpnCidr] } })

  it.each([
    { name: 'TCP passed', w: A, tcp: { status: 'pass', detail: 'ok' } as ProbeOutcome, expected: 'skip', aws: false, mode: 'check' as const },
    { name: 'TCP refused', w: B, tcp: { status: 'fail', code: 'TCP_REFUSED', detail: 'refused' } as ProbeOutcome, expected: 'skip', aws: false, mode: 'check' as const },
    { name: 'TCP timed out', w: A, tcp: { status: 'fail', code: 'TCP_TIMEOUT', detail: 'timeout' } as ProbeOutcome, expected: 'pass', aws: true, mode: 'check' as const },
    { name: 'the audit without TCP', w: B, tcp: undefined, expected: 'pass', aws: true, mode: 'audit' as const },
  ])('$name → vpn-route $expected', async ({ w, tcp, expected, aws, mode }) => {
    const clusterTables: RouteTableInfo[] = [table('rtb-main', w.vpcId, [route(w.cidr, 'local')], { main: true })]
    const env = fakeEnv(
      aws
        ? {
            aws: {
              calls: {
                describeRouteTables: async (by) => ok(by.vpcId === w.vpnVpcId ? vpnTables(w) : clusterTables),
                describePeerings: async () => ok([peering(w)]),
                // The router is found by its source/dest check being off: its subnet's table is the one judged.
                describeInstances: async () => ok([router(w)]),
                describeSecurityGroups: async () => ok([]),
              },
            },
          }
        : {},
    )
    const probes = [
      stub('cluster.describe', { status: 'pass', detail: 'ok', data: cluster(w) }),
      stub('cluster.vpc', { status: 'pass', detail: 'ok', data: { vpcId: w.vpcId, cidrs: [w.cidr] } }),
      ...(tcp ? [stub('network.tcp-connect', tcp)] : []),
      sourceCidrProbe,
      vpnRouteProbe,
    ]
    const results = await runProbes(probes, { env, target: makeTarget({ cluster: w.cluster, region: w.region }), options: { ...DEFAULT_OPTIONS, mode } })
    expect(results.find((r) => r.id === 'network.vpn-route')?.status).toBe(expected)
    expect(env.problems).toEqual([])
  })
})
