import { describe, expect, it } from 'vitest'
import type { AwsCallOptions, AwsResult, ClusterInfo } from '../../../../src/aws/clients.js'
import type { InstanceInfo, PeeringInfo, RouteTableInfo, SecurityGroupInfo, SgRule } from '../../../../src/aws/ec2.js'
import { runProbes } from '../../../../src/engine/run.js'
import type { Probe, ProbeId, ProbeOutcome, RunOptions } from '../../../../src/engine/types.js'
import type { AwsPath, SourceNetwork } from '../../../../src/probes/network/aws-path.js'
import { securityGroupProbe } from '../../../../src/probes/network/security-group.js'
import { sourceCidrProbe } from '../../../../src/probes/network/source-cidr.js'
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
  pcx: 'pcx-44c41607739829a5c',
  clusterSg: 'sg-503615688ede9e995',
  additionalSg: 'sg-b0ea892f18575b3f8',
  routerId: 'i-2f7ab6a8b06e9d7bc',
  routerIp: '10.99.0.10',
  routerSg: 'sg-b06828027118bf102',
  prefixList: 'pl-b15f6181d3180f22b',
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
  pcx: 'pcx-54e030c6cc322fa80',
  clusterSg: 'sg-11cbd9ac6c7cc375c',
  additionalSg: 'sg-91e68fc82df70ce6a',
  routerId: 'i-88bd9f38717d5cd06',
  routerIp: '172.31.9.218',
  routerSg: 'sg-3a18bd2bfcfa1dcd0',
  prefixList: 'pl-0c2d4e6f8a0b1c2d3',
}
type World = typeof A

function rule(partial: Partial<SgRule>): SgRule {
  return { protocol: 'tcp', fromPort: 443, toPort: 443, cidrs: [], ipv6Cidrs: [], prefixListIds: [], groups: [], ...partial }
}
/** EKS always adds "all traffic from itself" to the cluster group. */
const selfRule = (w: World) => rule({ protocol: '-1', fromPort: undefined, toPort: undefined, groups: [{ groupId: w.clusterSg, userId: '123456789012' }] })
const groupsWith = (w: World, clusterRules: SgRule[], additionalRules: SgRule[] = [rule({ fromPort: 22, toPort: 22, cidrs: ['10.255.0.0/16'] })]): SecurityGroupInfo[] => [
  { id: w.clusterSg, name: `eks-cluster-sg-${w.cluster}-${w.vpcId.slice(-6)}`, vpcId: w.vpcId, ingress: [...clusterRules, selfRule(w)] },
  { id: w.additionalSg, name: `${w.cluster}-additional`, vpcId: w.vpcId, ingress: additionalRules },
]

const cluster = (w: World, extra: Partial<ClusterInfo> = {}): ClusterInfo =>
  clusterInfo({ name: w.cluster, vpcId: w.vpcId, subnetIds: w.subnets, clusterSecurityGroupId: w.clusterSg, securityGroupIds: [w.additionalSg], ...extra })
const peeringSource = (w: World): SourceNetwork => ({ cidr: w.vpnCidr, via: 'peering', connectionId: w.pcx, remoteVpcId: w.vpnVpcId, why: `the VPC on the other side of ${w.pcx} (active)` })
const router = (w: World): InstanceInfo & { how: string } => ({
  id: w.routerId,
  privateIp: w.routerIp,
  subnetId: w.vpnSubnet,
  vpcId: w.vpnVpcId,
  sourceDestCheck: false,
  groupIds: [w.routerSg],
  state: 'running',
  how: '--vpn-ip',
})
function path(w: World, o: { sources?: SourceNetwork[]; router?: AwsPath['router'] } = {}): AwsPath {
  return {
    clusterVpcId: w.vpcId,
    clusterCidrs: [w.cidr],
    endpointSubnets: w.subnets.map((subnetId, i) => ({ subnetId, ips: [w.ips[i] as string] })),
    peerings: [],
    peeringsReadable: true,
    sources: o.sources ?? [peeringSource(w)],
    router: o.router,
  }
}

const ok = <T>(value: T): AwsResult<T> => ({ ok: true, value, ms: 30 })

interface Setup {
  groups: AwsResult<SecurityGroupInfo[]>
  prefixLists?: Record<string, AwsResult<string[]>>
  path?: AwsPath
  cluster?: ClusterInfo
  options?: Partial<RunOptions>
}

async function run(w: World, s: Setup) {
  const asked = { groups: [] as string[][], lists: [] as string[], options: [] as AwsCallOptions[] }
  const env = fakeEnv({
    aws: {
      calls: {
        describeSecurityGroups: async (ids, o) => {
          asked.groups.push(ids)
          asked.options.push(o)
          return s.groups
        },
        getPrefixListCidrs: async (id) => {
          asked.lists.push(id)
          const answer = s.prefixLists?.[id]
          if (!answer) throw new Error(`unexpected prefix list ${id}`)
          return answer
        },
      },
    },
  })
  const outcome = await runProbe(securityGroupProbe, {
    env,
    target: { cluster: w.cluster, region: w.region },
    options: s.options,
    data: { 'cluster.describe': s.cluster ?? cluster(w), 'network.source-cidr': s.path ?? path(w) },
  })
  return { outcome, asked }
}

describe('network.security-group: a rule admits the VPN source', () => {
  it.each([
    { w: A, cidr: A.vpnCidr, name: 'the exact CIDR' },
    { w: B, cidr: B.vpnCidr, name: 'the exact CIDR' },
    { w: A, cidr: '10.0.0.0/8', name: 'a wider CIDR' },
    { w: B, cidr: '172.16.0.0/12', name: 'a wider CIDR' },
  ])('$w.cluster: $name ($cidr) on TCP 443', async ({ w, cidr }) => {
    const { outcome, asked } = await run(w, { groups: ok(groupsWith(w, [rule({ cidrs: [cidr] })])) })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${w.vpnCidr} admitted by ${w.clusterSg} (${cidr})`)
    expect(asked.groups).toEqual([[w.clusterSg, w.additionalSg]])
    expect(asked.options[0]).toMatchObject({ region: w.region })
    expect(outcome.evidence).toMatchObject({
      groups: [w.clusterSg, w.additionalSg],
      sources: [{ source: w.vpnCidr, admittedBy: `${w.clusterSg}: ${cidr}` }],
      routerIp: null,
    })
    expect(outcome.evidence?.rulesLookedAt).toEqual([`${w.clusterSg} tcp 443 from ${cidr}`, `${w.clusterSg} all traffic from ${w.clusterSg}`, `${w.additionalSg} tcp 22 from 10.255.0.0/16`])
  })

  it.each([
    { w: A, r: rule({ protocol: '-1', fromPort: undefined, toPort: undefined, cidrs: [A.vpnCidr] }), what: 'all traffic' },
    { w: B, r: rule({ protocol: '6', fromPort: 0, toPort: 65535, cidrs: [B.vpnCidr] }), what: 'protocol 6, every port' },
    { w: A, r: rule({ fromPort: 80, toPort: 8443, cidrs: [A.vpnCidr] }), what: 'a port range around 443' },
  ])('$w.cluster: $what counts', async ({ w, r }) => {
    const { outcome } = await run(w, { groups: ok(groupsWith(w, [r])) })
    expect(outcome.status).toBe('pass')
  })

  it.each([A, B])('$cluster: a managed prefix list that holds the source (GetManagedPrefixListEntries)', async (w) => {
    const { outcome, asked } = await run(w, {
      groups: ok(groupsWith(w, [rule({ prefixListIds: [w.prefixList] })], [rule({ fromPort: 22, toPort: 22, prefixListIds: ['pl-0ssh00000000000000'] })])),
      prefixLists: { [w.prefixList]: ok(['100.64.0.0/10', w.vpnCidr]) },
    })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${w.vpnCidr} admitted by ${w.clusterSg} (${w.prefixList} (${w.vpnCidr}))`)
    // Only prefix lists on rules that could admit 443 are read.
    expect(asked.lists).toEqual([w.prefixList])
  })

  it('a prefix list that cannot be read admits nothing', async () => {
    const { outcome } = await run(A, {
      groups: ok(groupsWith(A, [rule({ prefixListIds: [A.prefixList] })])),
      prefixLists: { [A.prefixList]: awsError('AWS_ACCESS_DENIED', 'not authorized', { action: 'ec2:GetManagedPrefixListEntries' }) },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'SG_NO_RULE' })
  })

  it.each([A, B])("$cluster: a rule referencing the VPN router's security group", async (w) => {
    const { outcome } = await run(w, {
      groups: ok(groupsWith(w, [rule({ groups: [{ groupId: w.routerSg, userId: '123456789012', vpcPeeringConnectionId: w.pcx }] })])),
      path: path(w, { router: router(w) }),
    })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${w.vpnCidr} admitted by ${w.clusterSg} (${w.routerSg} (the VPN router's group))`)
    expect(outcome.evidence).toMatchObject({ routerIp: w.routerIp })
  })

  it('a CIDR narrower than the source still admits when it holds the router (SNAT source address)', async () => {
    const { outcome } = await run(A, { groups: ok(groupsWith(A, [rule({ cidrs: ['10.99.0.0/28'] })])), path: path(A, { router: router(A) }) })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${A.vpnCidr} admitted by ${A.clusterSg} (10.99.0.0/28)`)
  })

  it('an additional security group may be the one that admits', async () => {
    const { outcome } = await run(B, { groups: ok(groupsWith(B, [], [rule({ cidrs: [B.vpnCidr] })])) })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${B.vpnCidr} admitted by ${B.additionalSg} (${B.vpnCidr})`)
  })

  it('with two candidate sources, one admitted is enough and the other is named', async () => {
    const sources = [peeringSource(A), { cidr: '192.168.0.0/16', via: 'tgw' as const, connectionId: 'tgw-0a1b2c3d4e5f60718', why: 'routed to tgw' }]
    const { outcome } = await run(A, { groups: ok(groupsWith(A, [rule({ cidrs: [A.vpnCidr] })])), path: path(A, { sources }) })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${A.vpnCidr} admitted by ${A.clusterSg} (${A.vpnCidr}); not admitted: 192.168.0.0/16`)
  })
})

describe('network.security-group: nothing admits the source', () => {
  it.each([
    { w: A, rules: [rule({ fromPort: 22, toPort: 22, cidrs: [A.vpnCidr] })], what: 'a 22-only rule from the source' },
    { w: B, rules: [rule({ protocol: 'udp', cidrs: [B.vpnCidr] })], what: 'UDP 443' },
    { w: A, rules: [rule({ cidrs: ['10.99.0.0/24'] })], what: 'a narrower CIDR and no router known' },
    { w: B, rules: [rule({ cidrs: ['10.0.0.0/8'] })], what: 'an unrelated CIDR' },
    { w: A, rules: [], what: 'no rule at all' },
  ])('$w.cluster: $what → fail security-group refining the TCP timeout, with the exact fix', async ({ w, rules }) => {
    const { outcome } = await run(w, { groups: ok(groupsWith(w, rules)) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'SG_NO_RULE', category: 'security-group', refines: 'network.tcp-connect', confirmed: true })
    expect(outcome.detail).toMatch(new RegExp(`^${w.clusterSg}, ${w.additionalSg} have no ingress for TCP 443 from ${w.vpnCidr.replace(/[./]/g, '\\$&')}`))
    expect(outcome.evidence).toMatchObject({ sources: [{ source: w.vpnCidr, admittedBy: null }] })
    expect(outcome.fixes).toHaveLength(1)
    const fix = outcome.fixes?.[0]
    expect(fix?.category).toBe('security-group')
    expect(fix?.commands).toEqual([`aws ec2 authorize-security-group-ingress --group-id ${w.clusterSg} --protocol tcp --port 443 --cidr ${w.vpnCidr} --region ${w.region}`])
    expect(fix?.terraform).toContain('resource "aws_security_group_rule"')
    expect(fix?.terraform).toMatch(new RegExp(`security_group_id\\s+=\\s+"${w.clusterSg}"`))
    expect(fix?.terraform).toMatch(new RegExp(`cidr_blocks\\s+=\\s+\\["${w.vpnCidr.replace(/[./]/g, '\\$&')}"\\]`))
    expect(fix?.terraform).toMatch(/from_port\s+=\s+443/)
    expect(fix?.terraform).toMatch(/type\s+=\s+"ingress"/)
  })

  it('in the audit the finding stands alone (no refines), confirmed', async () => {
    const { outcome } = await run(B, { groups: ok(groupsWith(B, [])), options: { mode: 'audit' } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'SG_NO_RULE', confirmed: true })
    expect(outcome.refines).toBeUndefined()
  })

  it('a rule that references a group admits only its members: the note asks for the router', async () => {
    const { outcome } = await run(A, { groups: ok(groupsWith(A, [rule({ groups: [{ groupId: A.routerSg, userId: '123456789012' }] })])) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'SG_NO_RULE' })
    expect(outcome.detail).toMatch(new RegExp(`\\(rules referencing [^)]*${A.routerSg}[^)]* admit only members of those groups; name the VPN router with --vpn-instance to check them\\)`))
  })

  it.each([A, B])("$cluster: the self-reference EKS adds to the cluster group is no reason to ask for the router", async (w) => {
    // Every cluster security group has "all traffic from itself"; the VPN router is never a member.
    const { outcome } = await run(w, { groups: ok(groupsWith(w, [])) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'SG_NO_RULE' })
    expect(outcome.detail).toBe(`${w.clusterSg}, ${w.additionalSg} have no ingress for TCP 443 from ${w.vpnCidr}`)
  })

  it('a router in another group is not admitted by a group rule', async () => {
    const elsewhere = { ...router(B), groupIds: ['sg-0someotherg000000'] }
    const { outcome } = await run(B, { groups: ok(groupsWith(B, [rule({ groups: [{ groupId: B.routerSg }] })])), path: path(B, { router: elsewhere }) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'SG_NO_RULE' })
    expect(outcome.detail).not.toContain('name the VPN router')
  })

  it('one fix per candidate source, all on the cluster security group', async () => {
    const sources = [peeringSource(B), { cidr: '192.168.0.0/16', via: 'tgw' as const, connectionId: 'tgw-c2fdc68cccdf5a276', why: 'routed' }]
    const { outcome } = await run(B, { groups: ok(groupsWith(B, [])), path: path(B, { sources }) })
    expect(outcome.detail).toContain(`from ${B.vpnCidr} or 192.168.0.0/16`)
    expect(outcome.fixes?.map((f) => f.commands[0])).toEqual([
      `aws ec2 authorize-security-group-ingress --group-id ${B.clusterSg} --protocol tcp --port 443 --cidr ${B.vpnCidr} --region ${B.region}`,
      `aws ec2 authorize-security-group-ingress --group-id ${B.clusterSg} --protocol tcp --port 443 --cidr 192.168.0.0/16 --region ${B.region}`,
    ])
  })

  it('without a cluster security group the fix goes to the first group named', async () => {
    const only = { id: A.additionalSg, name: 'x', vpcId: A.vpcId, ingress: [] }
    const { outcome } = await run(A, { groups: ok([only]), cluster: cluster(A, { clusterSecurityGroupId: undefined }) })
    expect(outcome.detail).toBe(`${A.additionalSg} has no ingress for TCP 443 from ${A.vpnCidr}`)
    expect(outcome.fixes?.[0]?.commands[0]).toContain(`--group-id ${A.additionalSg} `)
  })
})

describe('network.security-group: cannot judge', () => {
  it('skips when the groups cannot be read', async () => {
    const { outcome } = await run(A, { groups: awsError('AWS_ACCESS_DENIED', 'not authorized', { action: 'ec2:DescribeSecurityGroups', errorName: 'UnauthorizedOperation' }) })
    expect(outcome).toMatchObject({ status: 'skip', code: 'AWS_ACCESS_DENIED', detail: 'not allowed to call ec2:DescribeSecurityGroups: allow it to settle this link' })
  })

  it('skips when DescribeCluster named no security group', async () => {
    const env = fakeEnv()
    const outcome = await runProbe(securityGroupProbe, {
      env,
      target: { cluster: B.cluster, region: B.region },
      data: { 'cluster.describe': cluster(B, { clusterSecurityGroupId: undefined, securityGroupIds: [] }), 'network.source-cidr': path(B) },
    })
    expect(outcome).toEqual({ status: 'skip', detail: 'DescribeCluster named no security group' })
  })
})

describe('network.security-group in the engine: the gate of network.source-cidr', () => {
  const stub = (id: ProbeId, outcome: ProbeOutcome): Probe => ({ id, layer: id.split('.')[0] as Probe['layer'], title: id, run: async () => outcome })

  function chainEnv(w: World, withAws: boolean) {
    const tables: RouteTableInfo[] = [
      { id: 'rtb-main', vpcId: w.vpcId, main: true, subnetIds: [], routes: [{ destination: w.cidr, targetType: 'local', targetId: 'local', state: 'active' }] },
    ]
    const peerings: PeeringInfo[] = [
      {
        id: w.pcx,
        status: 'active',
        requester: { vpcId: w.vpcId, cidrs: [w.cidr], allowDnsResolutionFromRemoteVpc: true },
        accepter: { vpcId: w.vpnVpcId, cidrs: [w.vpnCidr], allowDnsResolutionFromRemoteVpc: true },
      },
    ]
    return fakeEnv(
      withAws
        ? {
            aws: {
              calls: {
                describeRouteTables: async () => ok(tables),
                describePeerings: async () => ok(peerings), describeInstances: async () => ok([]),
                describeSecurityGroups: async () => ok(groupsWith(w, [])),
              },
            },
          }
        : {},
    )
  }

  it.each([
    { name: 'TCP passed', w: A, tcpOutcome: { status: 'pass', detail: 'connected' } as ProbeOutcome, sg: 'skip', aws: false },
    { name: 'TCP refused', w: B, tcpOutcome: { status: 'fail', code: 'TCP_REFUSED', detail: 'refused' } as ProbeOutcome, sg: 'skip', aws: false },
    { name: 'TCP timed out', w: A, tcpOutcome: { status: 'fail', code: 'TCP_TIMEOUT', detail: 'timeout' } as ProbeOutcome, sg: 'fail', aws: true },
  ])('$name → security-group $sg', async ({ w, tcpOutcome, sg, aws }) => {
    const env = chainEnv(w, aws)
    const results = await runProbes([stub('cluster.describe', { status: 'pass', detail: 'ok', data: cluster(w) }), stub('network.tcp-connect', tcpOutcome), sourceCidrProbe, securityGroupProbe], {
      env,
      target: makeTarget({ cluster: w.cluster, region: w.region }),
      options: DEFAULT_OPTIONS,
    })
    expect(results[3]?.status).toBe(sg)
    if (sg === 'fail') expect(results[3]).toMatchObject({ code: 'SG_NO_RULE', refines: 'network.tcp-connect' })
    expect(env.problems).toEqual([])
  })

  it('the audit reads it without any TCP result', async () => {
    const env = chainEnv(B, true)
    const results = await runProbes([stub('cluster.describe', { status: 'pass', detail: 'ok', data: cluster(B) }), sourceCidrProbe, securityGroupProbe], {
      env,
      target: makeTarget({ cluster: B.cluster, region: B.region }),
      options: { ...DEFAULT_OPTIONS, mode: 'audit' },
    })
    expect(results[2]).toMatchObject({ status: 'fail', code: 'SG_NO_RULE' })
    expect(results[2]?.refines).toBeUndefined()
  })
})
