import { describe, expect, it } from 'vitest'
import type { AwsResult, ClusterInfo } from '../../../../src/aws/clients.js'
import type { PeeringInfo, RouteTableInfo } from '../../../../src/aws/ec2.js'
import { runProbes } from '../../../../src/engine/run.js'
import type { Probe, ProbeId, ProbeOutcome, RunOptions } from '../../../../src/engine/types.js'
import type { AwsPath, SourceNetwork } from '../../../../src/probes/network/aws-path.js'
import { peeringProbe } from '../../../../src/probes/network/peering.js'
import { sourceCidrProbe } from '../../../../src/probes/network/source-cidr.js'
import { clusterInfo, DEFAULT_OPTIONS, fakeEnv, makeTarget, runProbe } from '../../../helpers/fake-env.js'

const A = { region: 'eu-west-1', cluster: 'payments-prod', vpcId: 'vpc-ad871a1e0da75dbf5', cidr: '10.20.0.0/16', vpnVpcId: 'vpc-0ad4ae85648d6ac63', vpnCidr: '10.99.0.0/16', pcx: 'pcx-44c41607739829a5c', owner: '111122223333' }
const B = { region: 'ap-northeast-2', cluster: 'eks-secure-infra-dev', vpcId: 'vpc-8a451888f6ca8c214', cidr: '10.0.0.0/16', vpnVpcId: 'vpc-c8ee1ac8646efef52', vpnCidr: '172.31.0.0/16', pcx: 'pcx-54e030c6cc322fa80', owner: '444455556666' }
type World = typeof A

/** The VPN VPC asked, the cluster VPC accepted (as the Tailscale setup is usually built). */
function peering(w: World, o: { status?: string; message?: string; dns?: [boolean | undefined, boolean | undefined] } = {}): PeeringInfo {
  const [req, acc] = o.dns ?? [true, true]
  return {
    id: w.pcx,
    status: o.status ?? 'active',
    statusMessage: o.message ?? (o.status ? undefined : 'Active'),
    requester: { vpcId: w.vpnVpcId, ownerId: w.owner, region: w.region, cidrs: [w.vpnCidr], allowDnsResolutionFromRemoteVpc: req },
    accepter: { vpcId: w.vpcId, ownerId: w.owner, region: w.region, cidrs: [w.cidr], allowDnsResolutionFromRemoteVpc: acc },
  }
}
const source = (w: World, connectionId = w.pcx): SourceNetwork => ({ cidr: w.vpnCidr, via: 'peering', connectionId, remoteVpcId: w.vpnVpcId, why: `the VPC on the other side of ${connectionId}` })
const path = (w: World, peerings: PeeringInfo[], sources: SourceNetwork[] = [source(w)]): AwsPath => ({
  clusterVpcId: w.vpcId,
  clusterCidrs: [w.cidr],
  endpointSubnets: [],
  peerings,
  peeringsReadable: true,
  sources,
})

async function run(w: World, p: AwsPath, options: Partial<RunOptions> = {}) {
  // The peerings come with the path: no AWS call of its own.
  return runProbe(peeringProbe, { env: fakeEnv(), target: { cluster: w.cluster, region: w.region }, options, data: { 'network.source-cidr': p } })
}

describe('network.peering', () => {
  it.each([A, B])('$cluster: active with DNS resolution on both sides passes', async (w) => {
    const outcome = await run(w, path(w, [peering(w)]))
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${w.pcx} active, DNS resolution from the remote VPC on both sides`)
    expect(outcome.evidence).toEqual({
      peerings: [
        {
          id: w.pcx,
          status: 'active',
          requester: { vpc: w.vpnVpcId, cidrs: [w.vpnCidr], dns: true },
          accepter: { vpc: w.vpcId, cidrs: [w.cidr], dns: true },
        },
      ],
    })
  })

  it.each([A, B])('$cluster: pending-acceptance fails routing with accept-vpc-peering-connection', async (w) => {
    const outcome = await run(w, path(w, [peering(w, { status: 'pending-acceptance', message: `Pending Acceptance by ${w.owner}` })]))
    expect(outcome).toMatchObject({ status: 'fail', code: 'PEERING_NOT_ACTIVE', category: 'routing', refines: 'network.tcp-connect', confirmed: true })
    expect(outcome.detail).toBe(`the peering ${w.pcx} is pending-acceptance (Pending Acceptance by ${w.owner}): nothing crosses it`)
    expect(outcome.fixes).toHaveLength(1)
    expect(outcome.fixes?.[0]?.title).toBe(`Accept the peering ${w.pcx}`)
    expect(outcome.fixes?.[0]?.commands).toEqual([
      `aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id ${w.pcx} --region ${w.region}`,
      `aws ec2 modify-vpc-peering-connection-options --vpc-peering-connection-id ${w.pcx} --requester-peering-connection-options AllowDnsResolutionFromRemoteVpc=true --accepter-peering-connection-options AllowDnsResolutionFromRemoteVpc=true --region ${w.region}`,
    ])
  })

  it.each([
    { w: A, status: 'deleted', message: `Deleted by ${A.owner}` },
    { w: B, status: 'rejected', message: `Rejected by ${B.owner}` },
    { w: A, status: 'expired', message: 'Expired' },
  ])('$w.cluster: $status fails with a replacement peering between the same VPCs', async ({ w, status, message }) => {
    const outcome = await run(w, path(w, [peering(w, { status, message })]))
    expect(outcome).toMatchObject({ status: 'fail', code: 'PEERING_NOT_ACTIVE', category: 'routing' })
    expect(outcome.detail).toBe(`the peering ${w.pcx} is ${status} (${message}): nothing crosses it`)
    // The new peering's id comes from create's answer when the command runs.
    expect(outcome.fixes?.[0]?.commands).toEqual([
      `aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id "$(aws ec2 create-vpc-peering-connection --vpc-id ${w.vpnVpcId} --peer-vpc-id ${w.vpcId} --region ${w.region} --query VpcPeeringConnection.VpcPeeringConnectionId --output text)" --region ${w.region}`,
      `aws ec2 modify-vpc-peering-connection-options --vpc-peering-connection-id "$(aws ec2 describe-vpc-peering-connections --region ${w.region} --query "VpcPeeringConnections[?Status.Code=='active' && RequesterVpcInfo.VpcId=='${w.vpnVpcId}' && AccepterVpcInfo.VpcId=='${w.vpcId}'].VpcPeeringConnectionId | [0]" --output text)" --requester-peering-connection-options AllowDnsResolutionFromRemoteVpc=true --accepter-peering-connection-options AllowDnsResolutionFromRemoteVpc=true --region ${w.region}`,
    ])
    expect(outcome.fixes?.[0]?.terraform).toContain('resource "aws_vpc_peering_connection"')
  })

  it('a peering that routes still name but that no longer exists is gone', async () => {
    const outcome = await run(B, path(B, [], [source(B, 'pcx-0gone000000000000')]))
    expect(outcome).toMatchObject({ status: 'fail', code: 'PEERING_NOT_ACTIVE' })
    expect(outcome.detail).toBe('the peering pcx-0gone000000000000 is gone: nothing crosses it')
    expect(outcome.evidence).toEqual({ peerings: [{ id: 'pcx-0gone000000000000', status: 'not found', requester: null, accepter: null }] })
    // The VPN VPC comes from the source the routes named.
    expect(outcome.fixes?.[0]?.commands[0]).toContain(`create-vpc-peering-connection --vpc-id ${source(B, 'pcx-0gone000000000000').remoteVpcId} --peer-vpc-id ${B.vpcId} --region ${B.region}`)
  })

  it.each([
    { w: A, dns: [true, false] as [boolean, boolean], name: 'off on the accepter side' },
    { w: B, dns: [false, false] as [boolean, boolean], name: 'off on both sides' },
    // The EC2 API reference sample: a side without peeringOptions at all.
    { w: A, dns: [undefined, false] as [undefined, boolean], name: 'not reported for one side' },
  ])('$w.cluster: DNS resolution $name → warn with modify-vpc-peering-connection-options', async ({ w, dns }) => {
    const outcome = await run(w, path(w, [peering(w, { dns })]))
    expect(outcome).toMatchObject({ status: 'warn', code: 'PEERING_DNS_OFF' })
    expect(outcome.refines).toBeUndefined()
    expect(outcome.detail).toBe(`${w.pcx} is active but not set to resolve DNS from the remote VPC on both sides`)
    const fix = outcome.fixes?.[0]
    expect(fix?.category).toBe('dns')
    expect(fix?.commands).toEqual([
      `aws ec2 modify-vpc-peering-connection-options --vpc-peering-connection-id ${w.pcx} --requester-peering-connection-options AllowDnsResolutionFromRemoteVpc=true --accepter-peering-connection-options AllowDnsResolutionFromRemoteVpc=true --region ${w.region}`,
    ])
    expect(fix?.terraform).toContain('resource "aws_vpc_peering_connection_options"')
    expect(fix?.terraform).toMatch(/allow_remote_vpc_dns_resolution = true/)
  })

  it('of two peerings, only the inactive one is reported', async () => {
    const second: PeeringInfo = { ...peering(A, { status: 'pending-acceptance' }), id: 'pcx-0second0000000000' }
    const outcome = await run(A, path(A, [peering(A), second], [source(A), { ...source(A, second.id), cidr: '10.98.0.0/16' }]))
    expect(outcome).toMatchObject({ status: 'fail', code: 'PEERING_NOT_ACTIVE' })
    expect(outcome.detail).toBe('the peering pcx-0second0000000000 is pending-acceptance: nothing crosses it')
    expect(outcome.fixes).toHaveLength(1)
  })

  it('the same peering behind two sources is judged once', async () => {
    const outcome = await run(B, path(B, [peering(B)], [source(B), { ...source(B), cidr: '100.64.0.0/16' }]))
    expect(outcome.status).toBe('pass')
    expect((outcome.evidence?.peerings as unknown[]).length).toBe(1)
  })

  it('skips when the VPN traffic does not cross a peering (TGW)', async () => {
    const tgw: SourceNetwork = { cidr: '192.168.0.0/16', via: 'tgw', connectionId: 'tgw-c2fdc68cccdf5a276', why: 'routed' }
    expect(await run(B, path(B, [], [tgw]))).toEqual({ status: 'skip', detail: 'the VPN traffic does not cross a VPC peering' })
  })

  it('in the audit an inactive peering stands alone', async () => {
    const outcome = await run(A, path(A, [peering(A, { status: 'deleted' })]), { mode: 'audit' })
    expect(outcome).toMatchObject({ status: 'fail', code: 'PEERING_NOT_ACTIVE', confirmed: true })
    expect(outcome.refines).toBeUndefined()
  })
})

describe('network.peering in the engine: the gate of network.source-cidr', () => {
  const stub = (id: ProbeId, outcome: ProbeOutcome): Probe => ({ id, layer: id.split('.')[0] as Probe['layer'], title: id, run: async () => outcome })
  const cluster = (w: World): ClusterInfo => clusterInfo({ name: w.cluster, vpcId: w.vpcId })
  const ok = <T>(value: T): AwsResult<T> => ({ ok: true, value, ms: 30 })

  it.each([
    { name: 'TCP passed', w: A, tcp: { status: 'pass', detail: 'ok' } as ProbeOutcome, expected: 'skip', aws: false, mode: 'check' as const },
    { name: 'TCP refused', w: B, tcp: { status: 'fail', code: 'TCP_REFUSED', detail: 'refused' } as ProbeOutcome, expected: 'skip', aws: false, mode: 'check' as const },
    { name: 'TCP timed out', w: B, tcp: { status: 'fail', code: 'TCP_TIMEOUT', detail: 'timeout' } as ProbeOutcome, expected: 'fail', aws: true, mode: 'check' as const },
    { name: 'the audit without TCP', w: A, tcp: undefined, expected: 'fail', aws: true, mode: 'audit' as const },
  ])('$name → peering $expected', async ({ w, tcp, expected, aws, mode }) => {
    const tables: RouteTableInfo[] = [{ id: 'rtb-main', vpcId: w.vpcId, main: true, subnetIds: [], routes: [] }]
    const env = fakeEnv(
      aws ? { aws: { calls: { describeRouteTables: async () => ok(tables), describePeerings: async () => ok([peering(w, { status: 'pending-acceptance' })]), describeInstances: async () => ok([]) } } } : {},
    )
    const probes = [stub('cluster.describe', { status: 'pass', detail: 'ok', data: cluster(w) }), ...(tcp ? [stub('network.tcp-connect', tcp)] : []), sourceCidrProbe, peeringProbe]
    const results = await runProbes(probes, { env, target: makeTarget({ cluster: w.cluster, region: w.region }), options: { ...DEFAULT_OPTIONS, mode } })
    const result = results.find((r) => r.id === 'network.peering')
    expect(result?.status).toBe(expected)
    if (expected === 'fail') expect(result?.code).toBe('PEERING_NOT_ACTIVE')
    expect(env.problems).toEqual([])
  })
})
