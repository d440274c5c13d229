import { describe, expect, it } from 'vitest'
import type { AwsResult, ClusterInfo } from '../../../../src/aws/clients.js'
import type { NaclEntry, NaclInfo, PeeringInfo, RouteTableInfo } from '../../../../src/aws/ec2.js'
import { runProbes } from '../../../../src/engine/run.js'
import type { Probe, ProbeId, ProbeOutcome, RunOptions } from '../../../../src/engine/types.js'
import type { AwsPath, SourceNetwork } from '../../../../src/probes/network/aws-path.js'
import { decideNacl, naclProbe } from '../../../../src/probes/network/nacl.js'
import { sourceCidrProbe } from '../../../../src/probes/network/source-cidr.js'
import { awsError, clusterInfo, DEFAULT_OPTIONS, fakeEnv, makeTarget, runProbe } from '../../../helpers/fake-env.js'

const A = {
  region: 'eu-west-1',
  cluster: 'payments-prod',
  vpcId: 'vpc-ad871a1e0da75dbf5',
  cidr: '10.20.0.0/16',
  subnets: ['subnet-f61b1bffe218eea85', 'subnet-92aba68e804a2c6a0'] as [string, string],
  ips: ['10.20.1.87', '10.20.2.143'] as [string, string],
  vpnVpcId: 'vpc-0ad4ae85648d6ac63',
  vpnCidr: '10.99.0.0/16',
  pcx: 'pcx-44c41607739829a5c',
  nacl: 'acl-02da5b21195ffeaad',
}
const B = {
  region: 'ap-northeast-2',
  cluster: 'eks-secure-infra-dev',
  vpcId: 'vpc-8a451888f6ca8c214',
  cidr: '10.0.0.0/16',
  subnets: ['subnet-5ac46807a02717c34', 'subnet-e1391bffa06b64baf'] as [string, string],
  ips: ['10.0.10.239', '10.0.11.42'] as [string, string],
  vpnVpcId: 'vpc-c8ee1ac8646efef52',
  vpnCidr: '172.31.0.0/16',
  pcx: 'pcx-54e030c6cc322fa80',
  nacl: 'acl-114e9840a04ce24c4',
}
type World = typeof A

function entry(ruleNumber: number, egress: boolean, action: 'allow' | 'deny', cidr: string, protocol = '6', ports?: [number, number]): NaclEntry {
  return { ruleNumber, egress, protocol, action, cidr, ...(ports ? { fromPort: ports[0], toPort: ports[1] } : {}) }
}
/** What EC2 always lists last: the `*` rules, 32767, deny everything. */
const STAR = [entry(32767, false, 'deny', '0.0.0.0/0', '-1'), entry(32767, true, 'deny', '0.0.0.0/0', '-1')]
/** The custom NACL of the worlds: 443 in from the VPN VPC, ephemeral ports back out, and the `*` rules. */
const customEntries = (w: World): NaclEntry[] => [entry(100, false, 'allow', w.vpnCidr, '6', [443, 443]), entry(100, true, 'allow', w.vpnCidr, '6', [1024, 65535]), ...STAR]
const nacl = (w: World, entries: NaclEntry[], subnetIds: readonly string[] = w.subnets, id = w.nacl): NaclInfo => ({ id, vpcId: w.vpcId, isDefault: false, subnetIds: [...subnetIds], entries })

const source = (w: World): SourceNetwork => ({ cidr: w.vpnCidr, via: 'peering', connectionId: w.pcx, remoteVpcId: w.vpnVpcId, why: 'peering' })
const path = (w: World, sources: SourceNetwork[] = [source(w)]): AwsPath => ({
  clusterVpcId: w.vpcId,
  clusterCidrs: [w.cidr],
  endpointSubnets: w.subnets.map((subnetId, i) => ({ subnetId, ips: [w.ips[i] as string] })),
  peerings: [],
  peeringsReadable: true,
  sources,
})
const ok = <T>(value: T): AwsResult<T> => ({ ok: true, value, ms: 30 })

async function run(w: World, answer: AwsResult<NaclInfo[]>, o: { path?: AwsPath; options?: Partial<RunOptions> } = {}) {
  const asked: string[][] = []
  const env = fakeEnv({
    aws: {
      calls: {
        describeNacls: async (subnetIds) => {
          asked.push(subnetIds)
          return answer
        },
      },
    },
  })
  const outcome = await runProbe(naclProbe, { env, target: { cluster: w.cluster, region: w.region }, options: o.options, data: { 'network.source-cidr': o.path ?? path(w) } })
  return { outcome, asked }
}

const ruleNumberOf = (command: string | undefined) => Number(/--rule-number (\d+)/.exec(command ?? '')?.[1])

describe('network.nacl: allowed', () => {
  it.each([A, B])('$cluster: the custom NACL lets 443 in and the replies out', async (w) => {
    const { outcome, asked } = await run(w, ok([nacl(w, customEntries(w))]))
    expect(asked).toEqual([[...w.subnets]])
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${w.nacl} pass TCP 443 in and the replies out`)
    expect(outcome.evidence).toEqual({
      nacls: w.subnets.map((subnet) => ({ subnet, nacl: w.nacl, source: w.vpnCidr, inbound443: 'allowed by rule 100', outboundEphemeral: 'allowed by rule 100' })),
    })
  })

  it.each([A, B])("$cluster: the default NACL (all traffic, rule 100) passes", async (w) => {
    const defaults = [entry(100, false, 'allow', '0.0.0.0/0', '-1'), entry(100, true, 'allow', '0.0.0.0/0', '-1'), ...STAR]
    const { outcome } = await run(w, ok([{ ...nacl(w, defaults, w.subnets, 'acl-0defa017000000000'), isDefault: true }]))
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe('acl-0defa017000000000 pass TCP 443 in and the replies out')
  })

  it('a subnet whose NACL is not visible is not judged', async () => {
    const { outcome } = await run(A, ok([nacl(A, customEntries(A), [A.subnets[0]])]))
    expect(outcome.status).toBe('pass')
    expect(outcome.evidence?.nacls).toEqual([
      expect.objectContaining({ subnet: A.subnets[0], nacl: A.nacl }),
      { subnet: A.subnets[1], nacl: null, source: A.vpnCidr, inbound443: 'no NACL visible', outboundEphemeral: 'no NACL visible' },
    ])
  })

  it('with two candidate sources a subnet passes when one of them does', async () => {
    const sources = [source(B), { cidr: '192.168.0.0/16', via: 'tgw' as const, connectionId: 'tgw-c2fdc68cccdf5a276', why: 'routed' }]
    const { outcome } = await run(B, ok([nacl(B, customEntries(B))]), { path: path(B, sources) })
    expect(outcome.status).toBe('pass')
    expect((outcome.evidence?.nacls as unknown[]).length).toBe(4)
  })
})

describe('network.nacl: denied', () => {
  it.each([A, B])('$cluster: a lower-numbered deny wins; the fix goes just below it', async (w) => {
    const entries = [entry(50, false, 'deny', w.vpnCidr, '6', [443, 443]), ...customEntries(w)]
    const { outcome } = await run(w, ok([nacl(w, entries)]))
    expect(outcome).toMatchObject({ status: 'fail', code: 'NACL_DENY', category: 'security-group', refines: 'network.tcp-connect', confirmed: true })
    expect(outcome.detail).toBe(
      w.subnets.map((subnet, i) => `${w.nacl} (${subnet}, endpoint IP ${w.ips[i]}) denies by rule 50 TCP 443 in from ${w.vpnCidr}`).join('; '),
    )
    // One NACL on both subnets: one fix.
    expect(outcome.fixes).toHaveLength(1)
    const fix = outcome.fixes?.[0]
    expect(fix?.category).toBe('security-group')
    expect(fix?.commands).toEqual([
      `aws ec2 create-network-acl-entry --network-acl-id ${w.nacl} --ingress --rule-number 49 --protocol tcp --port-range From=443,To=443 --cidr-block ${w.vpnCidr} --rule-action allow --region ${w.region}`,
    ])
    expect(fix?.why).toContain(`Rule 50 of ${w.nacl} denies it before any allow`)
    expect(fix?.terraform).toContain('resource "aws_network_acl_rule"')
    expect(fix?.terraform).toMatch(/rule_number\s+=\s+49/)
    expect(fix?.terraform).toMatch(/egress\s+=\s+false/)
    expect(outcome.evidence?.nacls).toEqual(w.subnets.map((subnet) => expect.objectContaining({ subnet, inbound443: 'denied by rule 50', outboundEphemeral: 'allowed by rule 100' })))
  })

  it('the fix skips rule numbers already taken in that direction only', async () => {
    const entries = [entry(48, false, 'allow', '10.255.0.0/16', '6', [22, 22]), entry(49, false, 'allow', '10.254.0.0/16', '6', [22, 22]), entry(47, true, 'allow', '0.0.0.0/0', '6', [80, 80]), entry(50, false, 'deny', B.vpnCidr, '6', [443, 443]), ...customEntries(B)]
    const { outcome } = await run(B, ok([nacl(B, entries)]))
    expect(ruleNumberOf(outcome.fixes?.[0]?.commands[0])).toBe(47)
  })

  it('a deny for part of the source still breaks some flows', async () => {
    const entries = [entry(40, false, 'deny', '10.99.0.0/24', '6', [443, 443]), ...customEntries(A)]
    const { outcome } = await run(A, ok([nacl(A, entries)]))
    expect(outcome).toMatchObject({ status: 'fail', code: 'NACL_DENY' })
    expect(outcome.detail).toContain(`denies by rule 40 TCP 443 in from ${A.vpnCidr}`)
    expect(ruleNumberOf(outcome.fixes?.[0]?.commands[0])).toBe(39)
  })

  it.each([A, B])('$cluster: no allow rule at all, only the * rule: said so, and the fix is a normal rule', async (w) => {
    const entries = [entry(100, true, 'allow', w.vpnCidr, '6', [1024, 65535]), ...STAR]
    const { outcome } = await run(w, ok([nacl(w, entries)]))
    expect(outcome).toMatchObject({ status: 'fail', code: 'NACL_DENY', category: 'security-group' })
    // EC2 lists the `*` rule as 32767; it is the default deny, not a rule someone added.
    expect(outcome.detail).toContain(`${w.nacl} (${w.subnets[0]}, endpoint IP ${w.ips[0]}) has no rule allowing TCP 443 in from ${w.vpnCidr}`)
    expect(outcome.fixes?.[0]?.why).toContain('the final * rule denies it')
    const number = ruleNumberOf(outcome.fixes?.[0]?.commands[0])
    expect(number).toBeGreaterThan(0)
    expect(number).toBeLessThan(32767)
  })

  it.each([A, B])('$cluster: replies (ephemeral ports) not allowed out: an egress fix for 1024-65535', async (w) => {
    // A common mistake: the egress rule mirrors the ingress one (443 only).
    const entries = [entry(100, false, 'allow', w.vpnCidr, '6', [443, 443]), entry(100, true, 'allow', w.vpnCidr, '6', [443, 443]), ...STAR]
    const { outcome } = await run(w, ok([nacl(w, entries)]))
    expect(outcome).toMatchObject({ status: 'fail', code: 'NACL_DENY', category: 'security-group', refines: 'network.tcp-connect' })
    expect(outcome.detail).toContain(`${w.nacl} (${w.subnets[0]}, endpoint IP ${w.ips[0]})`)
    expect(outcome.detail).toContain(`replies out to ${w.vpnCidr}`)
    expect(outcome.detail).not.toContain('TCP 443 in from')
    const command = outcome.fixes?.[0]?.commands[0]
    expect(command).toMatch(new RegExp(`^aws ec2 create-network-acl-entry --network-acl-id ${w.nacl} --egress --rule-number \\d+ --protocol tcp --port-range From=1024,To=65535 --cidr-block ${w.vpnCidr.replace(/[./]/g, '\\$&')} --rule-action allow --region ${w.region}$`))
    const number = ruleNumberOf(command)
    expect(number).toBeLessThan(32767)
    expect(entries.filter((e) => e.egress).map((e) => e.ruleNumber)).not.toContain(number)
  })

  it('an explicit egress deny on the ephemeral ports: the fix goes below it', async () => {
    const entries = [entry(90, true, 'deny', '0.0.0.0/0', '6', [1024, 65535]), ...customEntries(B)]
    const { outcome } = await run(B, ok([nacl(B, entries)]))
    expect(outcome.detail).toContain(`denies by rule 90 replies out to ${B.vpnCidr}`)
    expect(outcome.fixes?.[0]?.commands[0]).toContain('--egress --rule-number 89 ')
  })

  it('one endpoint subnet of two behind a bad NACL: only its IP is named', async () => {
    const good = nacl(A, customEntries(A), [A.subnets[0]])
    const bad = nacl(A, [entry(10, false, 'deny', '0.0.0.0/0', '-1'), ...customEntries(A)], [A.subnets[1]], 'acl-0bad0bad0bad0bad0')
    const { outcome } = await run(A, ok([good, bad]))
    expect(outcome.status).toBe('fail')
    expect(outcome.detail).toBe(`acl-0bad0bad0bad0bad0 (${A.subnets[1]}, endpoint IP ${A.ips[1]}) denies by rule 10 TCP 443 in from ${A.vpnCidr}`)
    expect(outcome.fixes?.[0]?.commands[0]).toContain('--network-acl-id acl-0bad0bad0bad0bad0 --ingress --rule-number 9 ')
  })

  it('in the audit the finding stands alone', async () => {
    const { outcome } = await run(B, ok([nacl(B, [entry(50, false, 'deny', B.vpnCidr, '6', [443, 443]), ...customEntries(B)])]), { options: { mode: 'audit' } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'NACL_DENY', confirmed: true })
    expect(outcome.refines).toBeUndefined()
  })
})

describe('network.nacl: cannot judge', () => {
  it('skips when the NACLs cannot be read', async () => {
    const { outcome } = await run(A, awsError('AWS_ACCESS_DENIED', 'not authorized', { action: 'ec2:DescribeNetworkAcls', errorName: 'UnauthorizedOperation' }))
    expect(outcome).toMatchObject({ status: 'skip', code: 'AWS_ACCESS_DENIED', detail: 'not allowed to call ec2:DescribeNetworkAcls: allow it to settle this link' })
  })

  it('skips without an endpoint subnet, without asking', async () => {
    const outcome = await runProbe(naclProbe, { env: fakeEnv(), target: { cluster: A.cluster, region: A.region }, data: { 'network.source-cidr': { ...path(A), endpointSubnets: [] } } })
    expect(outcome).toEqual({ status: 'skip', detail: 'no endpoint subnet known' })
  })
})

describe('decideNacl', () => {
  const inbound = (w: World) => ({ egress: false, source: w.vpnCidr, fromPort: 443, toPort: 443 })
  const outbound = (w: World) => ({ egress: true, source: w.vpnCidr, fromPort: 1024, toPort: 65535 })

  it.each([
    { name: 'a port range around 443', entries: [entry(120, false, 'allow', A.vpnCidr, '6', [400, 500]), ...STAR], o: inbound(A), want: { allowed: true, rule: 120 } },
    { name: 'rules are read in number order, not list order', entries: [...STAR, entry(200, false, 'allow', A.vpnCidr, '-1'), entry(150, false, 'deny', A.vpnCidr, '6', [443, 443])], o: inbound(A), want: { allowed: false, rule: 150 } },
    { name: 'UDP rules do not decide TCP', entries: [entry(10, false, 'deny', B.vpnCidr, '17', [443, 443]), ...customEntries(B)], o: inbound(B), want: { allowed: true, rule: 100 } },
    // Denied in the end by the `*` rule (whether that is reported as rule 32767 or as no rule is the probe's business).
    { name: 'an allow for part of the ephemeral range is not enough', entries: [entry(100, true, 'allow', B.vpnCidr, '6', [1024, 2048]), ...STAR], o: outbound(B), want: { allowed: false } },
    { name: 'an allow for a wider CIDR covers the source', entries: [entry(100, true, 'allow', '0.0.0.0/0', '6', [1024, 65535]), ...STAR], o: outbound(A), want: { allowed: true, rule: 100 } },
    { name: 'an IPv6-only entry is ignored', entries: [{ ruleNumber: 5, egress: false, protocol: '-1', action: 'deny' as const, ipv6Cidr: '::/0' }, ...customEntries(A)], o: inbound(A), want: { allowed: true, rule: 100 } },
  ])('$name', ({ entries, o, want }) => {
    const decision = decideNacl(entries, o)
    expect(decision.allowed).toBe(want.allowed)
    if ('rule' in want) expect(decision.rule).toBe(want.rule)
  })
})

describe('network.nacl in the engine: the gate of network.source-cidr', () => {
  const stub = (id: ProbeId, outcome: ProbeOutcome): Probe => ({ id, layer: id.split('.')[0] as Probe['layer'], title: id, run: async () => outcome })
  const cluster = (w: World): ClusterInfo => clusterInfo({ name: w.cluster, vpcId: w.vpcId, subnetIds: [...w.subnets] })
  const peering = (w: World): PeeringInfo => ({ id: w.pcx, status: 'active', requester: { vpcId: w.vpcId, cidrs: [w.cidr] }, accepter: { vpcId: w.vpnVpcId, cidrs: [w.vpnCidr] } })

  it.each([
    { name: 'TCP passed', w: A, tcp: { status: 'pass', detail: 'ok' } as ProbeOutcome, expected: 'skip', aws: false, mode: 'check' as const },
    { name: 'TCP refused', w: B, tcp: { status: 'fail', code: 'TCP_REFUSED', detail: 'refused' } as ProbeOutcome, expected: 'skip', aws: false, mode: 'check' as const },
    { name: 'TCP timed out', w: A, tcp: { status: 'fail', code: 'TCP_TIMEOUT', detail: 'timeout' } as ProbeOutcome, expected: 'pass', aws: true, mode: 'check' as const },
    { name: 'the audit without TCP', w: B, tcp: undefined, expected: 'pass', aws: true, mode: 'audit' as const },
  ])('$name → nacl $expected', async ({ w, tcp, expected, aws, mode }) => {
    const tables: RouteTableInfo[] = [{ id: 'rtb-main', vpcId: w.vpcId, main: true, subnetIds: [], routes: [] }]
    const env = fakeEnv(
      aws
        ? { aws: { calls: { describeRouteTables: async () => ok(tables), describePeerings: async () => ok([peering(w)]), describeInstances: async () => ok([]), describeNacls: async () => ok([nacl(w, customEntries(w))]) } } }
        : {},
    )
    const probes = [stub('cluster.describe', { status: 'pass', detail: 'ok', data: cluster(w) }), ...(tcp ? [stub('network.tcp-connect', tcp)] : []), sourceCidrProbe, naclProbe]
    const results = await runProbes(probes, { env, target: makeTarget({ cluster: w.cluster, region: w.region }), options: { ...DEFAULT_OPTIONS, mode } })
    expect(results.find((r) => r.id === 'network.nacl')?.status).toBe(expected)
    expect(env.problems).toEqual([])
  })
})
