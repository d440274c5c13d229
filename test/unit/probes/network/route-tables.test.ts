import { describe, expect, it } from 'vitest'
import type { AwsResult, ClusterInfo } from '../../../../src/aws/clients.js'
import type { PeeringInfo, RouteInfo, RouteTableInfo, RouteTargetType } from '../../../../src/aws/ec2.js'
import { runProbes } from '../../../../src/engine/run.js'
import type { Probe, ProbeId, ProbeOutcome, RunOptions } from '../../../../src/engine/types.js'
import type { AwsPath, SourceNetwork } from '../../../../src/probes/network/aws-path.js'
import { routeTablesProbe } from '../../../../src/probes/network/route-tables.js'
import { sourceCidrProbe } from '../../../../src/probes/network/source-cidr.js'
import { clusterInfo, DEFAULT_OPTIONS, fakeEnv, makeTarget, runProbe } from '../../../helpers/fake-env.js'

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
  pcx: 'pcx-44c41607739829a5c',
  oldPcx: 'pcx-0dead0ld00000beef',
  tgw: 'tgw-0a1b2c3d4e5f60718',
  routerEni: 'eni-0e1f2a3b4c5d6e7f8',
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
  pcx: 'pcx-54e030c6cc322fa80',
  oldPcx: 'pcx-07ld0000000000aa1',
  tgw: 'tgw-c2fdc68cccdf5a276',
  routerEni: 'eni-a7cdf8481a58b5c4f',
}
type World = typeof A

const TYPES: [string, RouteTargetType][] = [['pcx-', 'pcx'], ['tgw-', 'tgw'], ['vgw-', 'vgw'], ['igw-', 'igw'], ['nat-', 'nat'], ['eni-', 'eni'], ['i-', 'instance'], ['local', 'local']]
function route(destination: string, targetId: string, state = 'active'): RouteInfo {
  return { destination, targetType: TYPES.find(([p]) => targetId.startsWith(p))?.[1] ?? 'other', targetId, state }
}
const table = (id: string, vpcId: string, routes: RouteInfo[], o: { main?: boolean; subnetIds?: string[] } = {}): RouteTableInfo => ({
  id,
  vpcId,
  main: o.main ?? false,
  subnetIds: o.subnetIds ?? [],
  routes,
})
const local = (w: World) => route(w.cidr, 'local')
const igwDefault = route('0.0.0.0/0', 'igw-a2a4f1686dafb5fe8')
const peeringSource = (w: World): SourceNetwork => ({ cidr: w.vpnCidr, via: 'peering', connectionId: w.pcx, remoteVpcId: w.vpnVpcId, why: `the VPC on the other side of ${w.pcx} (active)` })

/** A peering of the cluster VPC as DescribeVpcPeeringConnections lists it. */
const livePeering = (w: World, id: string, remote: { vpcId: string; cidr: string }, status = 'active'): PeeringInfo => ({
  id,
  status,
  requester: { vpcId: w.vpcId, cidrs: [w.cidr] },
  accepter: { vpcId: remote.vpcId, cidrs: [remote.cidr] },
})
/** The VPN peering, and an older one to a retired VPN VPC that is still active. */
const peeringsOf = (w: World): PeeringInfo[] => [
  livePeering(w, w.pcx, { vpcId: w.vpnVpcId, cidr: w.vpnCidr }),
  livePeering(w, w.oldPcx, { vpcId: 'vpc-0retiredvpn000000', cidr: '10.98.0.0/16' }),
]

/** The endpoint subnets, each with the table it uses. */
function path(
  w: World,
  tables: [RouteTableInfo | undefined, RouteTableInfo | undefined],
  sources: SourceNetwork[] = [peeringSource(w)],
  o: { peerings?: PeeringInfo[]; readable?: boolean } = {},
): AwsPath {
  return {
    clusterVpcId: w.vpcId,
    clusterCidrs: [w.cidr],
    endpointSubnets: w.subnets.map((subnetId, i) => ({ subnetId, ips: [w.ips[i] as string], table: tables[i] })),
    peerings: o.peerings ?? peeringsOf(w),
    peeringsReadable: o.readable ?? true,
    sources,
  }
}
const explicit = (w: World, i: 0 | 1, routes: RouteInfo[]) => table(w.tables[i], w.vpcId, routes, { subnetIds: [w.subnets[i]] })
const goodTables = (w: World): [RouteTableInfo, RouteTableInfo] => [explicit(w, 0, [local(w), route(w.vpnCidr, w.pcx)]), explicit(w, 1, [local(w), route(w.vpnCidr, w.pcx)])]

async function run(w: World, p: AwsPath, options: Partial<RunOptions> = {}) {
  // The route tables come with the path: this probe makes no AWS call of its own.
  const env = fakeEnv()
  return runProbe(routeTablesProbe, { env, target: { cluster: w.cluster, region: w.region }, options, data: { 'network.source-cidr': p } })
}

describe('network.route-tables: routes back to the VPN', () => {
  it.each([A, B])('$cluster: each endpoint subnet has its own table routing the source through the peering', async (w) => {
    const outcome = await run(w, path(w, goodTables(w)))
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${w.tables[0]}: ${w.vpnCidr} → ${w.pcx} (active); ${w.tables[1]}: ${w.vpnCidr} → ${w.pcx} (active)`)
    expect(outcome.evidence).toEqual({
      routes: w.subnets.map((subnet, i) => ({
        subnet,
        endpointIps: [w.ips[i]],
        routeTable: w.tables[i],
        main: false,
        destination: w.vpnCidr,
        route: `${w.vpnCidr} → ${w.pcx} (active)`,
        verdict: 'ok',
      })),
    })
  })

  it.each([A, B])('$cluster: both subnets without an association use the main table', async (w) => {
    const main = table(w.main, w.vpcId, [local(w), route(w.vpnCidr, w.pcx)], { main: true })
    const outcome = await run(w, path(w, [main, main]))
    expect(outcome.status).toBe('pass')
    expect(outcome.evidence?.routes).toEqual([expect.objectContaining({ routeTable: w.main, main: true, verdict: 'ok' }), expect.objectContaining({ routeTable: w.main, main: true, verdict: 'ok' })])
  })

  it('a more specific route wins over a wider one (longest prefix)', async () => {
    const tables: [RouteTableInfo, RouteTableInfo] = [
      explicit(A, 0, [local(A), route('10.0.0.0/8', A.tgw), route(A.vpnCidr, A.pcx)]),
      explicit(A, 1, [local(A), route('10.96.0.0/12', A.oldPcx, 'blackhole'), route(A.vpnCidr, A.pcx)]),
    ]
    expect((await run(A, path(A, tables))).status).toBe('pass')
  })

  it('a route through the VPN router ENI is accepted (the router sits in the cluster VPC)', async () => {
    const tables: [RouteTableInfo, RouteTableInfo] = [explicit(B, 0, [local(B), route(B.vpnCidr, B.routerEni)]), explicit(B, 1, [local(B), route(B.vpnCidr, B.pcx)])]
    expect((await run(B, path(B, tables))).status).toBe('pass')
  })

  it('a TGW source is judged against its attachment', async () => {
    const source: SourceNetwork = { cidr: '192.168.0.0/16', via: 'tgw', connectionId: B.tgw, why: `routed to ${B.tgw}` }
    const tables: [RouteTableInfo, RouteTableInfo] = [explicit(B, 0, [local(B), route('192.168.0.0/16', B.tgw)]), explicit(B, 1, [local(B), route('192.168.0.0/16', B.tgw)])]
    expect((await run(B, path(B, tables, [source]))).status).toBe('pass')
  })

  it('with several candidate sources, a subnet is fine when one of them routes', async () => {
    const sources = [peeringSource(A), { cidr: '192.168.0.0/16', via: 'tgw' as const, connectionId: A.tgw, why: 'routed' }]
    const outcome = await run(A, path(A, goodTables(A), sources))
    expect(outcome.status).toBe('pass')
    expect((outcome.evidence?.routes as unknown[]).length).toBe(4)
  })
})

describe('network.route-tables: broken routes', () => {
  it.each([A, B])('$cluster: no route back (only local and the internet gateway) → create-route', async (w) => {
    const tables: [RouteTableInfo, RouteTableInfo] = [explicit(w, 0, [local(w), igwDefault]), explicit(w, 1, [local(w)])]
    const outcome = await run(w, path(w, tables))
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_MISSING', category: 'routing', refines: 'network.tcp-connect', confirmed: true })
    expect(outcome.detail).toBe(
      `${w.tables[0]} of ${w.subnets[0]} (endpoint IP ${w.ips[0]}) has no route to ${w.vpnCidr}; ${w.tables[1]} of ${w.subnets[1]} (endpoint IP ${w.ips[1]}) has no route to ${w.vpnCidr}: replies never get back`,
    )
    expect(outcome.detail).not.toContain('intermittent')
    expect(outcome.fixes?.map((f) => f.commands[0])).toEqual([
      `aws ec2 create-route --route-table-id ${w.tables[0]} --destination-cidr-block ${w.vpnCidr} --vpc-peering-connection-id ${w.pcx} --region ${w.region}`,
      `aws ec2 create-route --route-table-id ${w.tables[1]} --destination-cidr-block ${w.vpnCidr} --vpc-peering-connection-id ${w.pcx} --region ${w.region}`,
    ])
    expect(outcome.fixes?.[0]?.terraform).toContain('resource "aws_route"')
    expect(outcome.fixes?.[0]?.terraform).toMatch(new RegExp(`vpc_peering_connection_id\\s+=\\s+"${w.pcx}"`))
    expect(outcome.evidence?.routes).toEqual([
      expect.objectContaining({ subnet: w.subnets[0], route: '0.0.0.0/0 → igw-a2a4f1686dafb5fe8 (active)', verdict: 'missing' }),
      expect.objectContaining({ subnet: w.subnets[1], route: 'none', verdict: 'missing' }),
    ])
  })

  it('the main table without the route: the fix goes to the main table', async () => {
    const main = table(B.main, B.vpcId, [local(B)], { main: true })
    const outcome = await run(B, path(B, [main, main]))
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_MISSING' })
    expect(outcome.fixes?.[0]?.commands[0]).toBe(`aws ec2 create-route --route-table-id ${B.main} --destination-cidr-block ${B.vpnCidr} --vpc-peering-connection-id ${B.pcx} --region ${B.region}`)
  })

  it.each([A, B])('$cluster: a blackhole route (its target is gone) → replace-route', async (w) => {
    const tables: [RouteTableInfo, RouteTableInfo] = [explicit(w, 0, [local(w), route(w.vpnCidr, w.pcx, 'blackhole')]), explicit(w, 1, [local(w), route(w.vpnCidr, w.pcx, 'blackhole')])]
    const outcome = await run(w, path(w, tables))
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_BLACKHOLE', category: 'routing', refines: 'network.tcp-connect' })
    expect(outcome.detail).toContain(`${w.tables[0]} of ${w.subnets[0]} (endpoint IP ${w.ips[0]}) sends ${w.vpnCidr} into a blackhole (${w.vpnCidr} → ${w.pcx}, blackhole)`)
    expect(outcome.fixes?.[0]?.commands[0]).toBe(`aws ec2 replace-route --route-table-id ${w.tables[0]} --destination-cidr-block ${w.vpnCidr} --vpc-peering-connection-id ${w.pcx} --region ${w.region}`)
    expect(outcome.fixes?.[0]?.title).toBe(`Repair the route to ${w.vpnCidr} in ${w.tables[0]}`)
  })

  it.each([A, B])('$cluster: a route to another (active) peering is the wrong target → replace-route to the VPN one', async (w) => {
    const tables: [RouteTableInfo, RouteTableInfo] = [explicit(w, 0, [local(w), route(w.vpnCidr, w.oldPcx)]), explicit(w, 1, [local(w), route(w.vpnCidr, w.oldPcx)])]
    const outcome = await run(w, path(w, tables))
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_WRONG_TARGET', category: 'routing' })
    expect(outcome.detail).toContain(`${w.tables[0]} of ${w.subnets[0]} (endpoint IP ${w.ips[0]}) sends ${w.vpnCidr} to ${w.oldPcx}, not ${w.pcx}`)
    expect(outcome.fixes?.[0]?.commands[0]).toBe(`aws ec2 replace-route --route-table-id ${w.tables[0]} --destination-cidr-block ${w.vpnCidr} --vpc-peering-connection-id ${w.pcx} --region ${w.region}`)
  })

  it.each([
    { w: A, status: 'deleted' },
    { w: B, status: 'pending-acceptance' },
  ])('$w.cluster: a route through a $status peering goes nowhere, even while EC2 still says active', async ({ w, status }) => {
    const outcome = await run(w, path(w, goodTables(w), [peeringSource(w)], { peerings: [livePeering(w, w.pcx, { vpcId: w.vpnVpcId, cidr: w.vpnCidr }, status)] }))
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_BLACKHOLE', category: 'routing' })
    expect(outcome.detail).toContain(`${w.tables[0]} of ${w.subnets[0]} (endpoint IP ${w.ips[0]}) sends ${w.vpnCidr} into a blackhole (${w.vpnCidr} → ${w.pcx}, a target that no longer exists)`)
    expect(outcome.fixes?.[0]?.commands[0]?.startsWith('aws ec2 replace-route ')).toBe(true)
  })

  it('a peering no longer listed, when the peerings could be read, is gone', async () => {
    const outcome = await run(A, path(A, goodTables(A), [peeringSource(A)], { peerings: [] }))
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_BLACKHOLE' })
  })

  it('when the peerings could not be read, a peering route is taken at its word', async () => {
    const outcome = await run(B, path(B, goodTables(B), [peeringSource(B)], { peerings: [], readable: false }))
    expect(outcome.status).toBe('pass')
  })

  it('a blackhole outranks a missing route in the code', async () => {
    const tables: [RouteTableInfo, RouteTableInfo] = [explicit(A, 0, [local(A)]), explicit(A, 1, [local(A), route(A.vpnCidr, A.pcx, 'blackhole')])]
    const outcome = await run(A, path(A, tables))
    expect(outcome.code).toBe('ROUTE_BLACKHOLE')
    expect(outcome.fixes?.map((f) => f.commands[0]?.split(' ')[2])).toEqual(['create-route', 'replace-route'])
  })

  it.each([
    { w: A, bad: 1 as const, problem: 'blackhole' },
    { w: B, bad: 0 as const, problem: 'missing' },
  ])('$w.cluster: one of two subnets broken ($problem) is intermittent and names that endpoint IP', async ({ w, bad, problem }) => {
    const tables = goodTables(w)
    tables[bad] = explicit(w, bad, problem === 'blackhole' ? [local(w), route(w.vpnCidr, w.pcx, 'blackhole')] : [local(w)])
    const outcome = await run(w, path(w, tables))
    expect(outcome.status).toBe('fail')
    expect(outcome.detail).toContain(`${w.tables[bad]} of ${w.subnets[bad]} (endpoint IP ${w.ips[bad]})`)
    expect(outcome.detail).not.toContain(w.ips[bad === 0 ? 1 : 0])
    expect(outcome.detail).toMatch(/the other endpoint subnet is fine, so the failure is intermittent$/)
    expect(outcome.fixes).toHaveLength(1)
    expect(outcome.fixes?.[0]?.commands[0]).toContain(`--route-table-id ${w.tables[bad]} `)
  })

  it('a source without a known connection: the failure is named, and no command is guessed', async () => {
    const flag: SourceNetwork = { cidr: '100.64.0.0/10', via: 'flag', why: 'given with --source-cidr' }
    const outcome = await run(B, path(B, [explicit(B, 0, [local(B)]), explicit(B, 1, [local(B)])], [flag]))
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_MISSING' })
    expect(outcome.detail).toContain('has no route to 100.64.0.0/10')
    expect(outcome.fixes).toEqual([])
  })

  it('a TGW source: the fix names --transit-gateway-id', async () => {
    const source: SourceNetwork = { cidr: '192.168.0.0/16', via: 'tgw', connectionId: A.tgw, why: 'routed' }
    const outcome = await run(A, path(A, [explicit(A, 0, [local(A)]), explicit(A, 1, [local(A), route('192.168.0.0/16', A.tgw)])], [source]))
    expect(outcome.fixes?.[0]?.commands[0]).toBe(`aws ec2 create-route --route-table-id ${A.tables[0]} --destination-cidr-block 192.168.0.0/16 --transit-gateway-id ${A.tgw} --region ${A.region}`)
    expect(outcome.fixes?.[0]?.terraform).toMatch(new RegExp(`transit_gateway_id\\s+=\\s+"${A.tgw}"`))
  })

  it('in the audit the finding stands alone', async () => {
    const outcome = await run(A, path(A, [explicit(A, 0, [local(A)]), explicit(A, 1, [local(A)])]), { mode: 'audit' })
    expect(outcome).toMatchObject({ status: 'fail', code: 'ROUTE_MISSING', confirmed: true })
    expect(outcome.refines).toBeUndefined()
  })
})

describe('network.route-tables in the engine: the gate of network.source-cidr', () => {
  const stub = (id: ProbeId, outcome: ProbeOutcome): Probe => ({ id, layer: id.split('.')[0] as Probe['layer'], title: id, run: async () => outcome })
  const cluster = (w: World): ClusterInfo => clusterInfo({ name: w.cluster, vpcId: w.vpcId, subnetIds: [...w.subnets] })
  const ok = <T>(value: T): AwsResult<T> => ({ ok: true, value, ms: 30 })
  const peering = (w: World): PeeringInfo => ({
    id: w.pcx,
    status: 'active',
    requester: { vpcId: w.vpcId, cidrs: [w.cidr] },
    accepter: { vpcId: w.vpnVpcId, cidrs: [w.vpnCidr] },
  })

  it.each([
    { name: 'TCP passed', w: A, tcp: { status: 'pass', detail: 'ok' } as ProbeOutcome, expected: 'skip', aws: false, mode: 'check' as const },
    { name: 'TCP refused', w: B, tcp: { status: 'fail', code: 'TCP_REFUSED', detail: 'refused' } as ProbeOutcome, expected: 'skip', aws: false, mode: 'check' as const },
    { name: 'TCP timed out', w: A, tcp: { status: 'fail', code: 'TCP_TIMEOUT', detail: 'timeout' } as ProbeOutcome, expected: 'fail', aws: true, mode: 'check' as const },
    { name: 'the audit without TCP', w: B, tcp: undefined, expected: 'fail', aws: true, mode: 'audit' as const },
  ])('$name → route-tables $expected', async ({ w, tcp, expected, aws, mode }) => {
    const tables = [table(w.main, w.vpcId, [local(w)], { main: true })]
    const env = fakeEnv(aws ? { aws: { calls: { describeRouteTables: async () => ok(tables), describePeerings: async () => ok([peering(w)]), describeInstances: async () => ok([]) } } } : {})
    const probes = [stub('cluster.describe', { status: 'pass', detail: 'ok', data: cluster(w) }), ...(tcp ? [stub('network.tcp-connect', tcp)] : []), sourceCidrProbe, routeTablesProbe]
    const results = await runProbes(probes, { env, target: makeTarget({ cluster: w.cluster, region: w.region }), options: { ...DEFAULT_OPTIONS, mode } })
    const result = results.find((r) => r.id === 'network.route-tables')
    expect(result?.status).toBe(expected)
    if (expected === 'fail') {
      expect(result).toMatchObject({ code: 'ROUTE_MISSING' })
      expect(result?.refines).toBe(mode === 'check' ? 'network.tcp-connect' : undefined)
    }
    expect(env.problems).toEqual([])
  })
})
