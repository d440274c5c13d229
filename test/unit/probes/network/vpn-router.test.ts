import { describe, expect, it } from 'vitest'
import type { AwsResult, ClusterInfo } from '../../../../src/aws/clients.js'
import type { InstanceInfo, PeeringInfo, RouteTableInfo } from '../../../../src/aws/ec2.js'
import { runProbes } from '../../../../src/engine/run.js'
import type { Probe, ProbeId, ProbeOutcome, RunOptions, Target } from '../../../../src/engine/types.js'
import type { AwsPath } from '../../../../src/probes/network/aws-path.js'
import { sourceCidrProbe } from '../../../../src/probes/network/source-cidr.js'
import { vpnRouterProbe } from '../../../../src/probes/network/vpn-router.js'
import { clusterInfo, DEFAULT_OPTIONS, fakeEnv, makeTarget, runProbe } from '../../../helpers/fake-env.js'

const A = { region: 'eu-west-1', cluster: 'payments-prod', vpcId: 'vpc-ad871a1e0da75dbf5', cidr: '10.20.0.0/16', vpnVpcId: 'vpc-0ad4ae85648d6ac63', vpnCidr: '10.99.0.0/16', vpnSubnet: 'subnet-98def5f461398b6a4', pcx: 'pcx-44c41607739829a5c', routerId: 'i-2f7ab6a8b06e9d7bc', routerIp: '10.99.0.10', routerSg: 'sg-b06828027118bf102' }
const B = { region: 'ap-northeast-2', cluster: 'eks-secure-infra-dev', vpcId: 'vpc-8a451888f6ca8c214', cidr: '10.0.0.0/16', vpnVpcId: 'vpc-c8ee1ac8646efef52', vpnCidr: '172.31.0.0/16', vpnSubnet: 'subnet-ebf919af122f6d8a9', pcx: 'pcx-54e030c6cc322fa80', routerId: 'i-88bd9f38717d5cd06', routerIp: '172.31.9.218', routerSg: 'sg-3a18bd2bfcfa1dcd0' }
type World = typeof A

const instance = (w: World, sourceDestCheck: boolean): InstanceInfo => ({
  id: w.routerId,
  privateIp: w.routerIp,
  subnetId: w.vpnSubnet,
  vpcId: w.vpnVpcId,
  sourceDestCheck,
  groupIds: [w.routerSg],
  state: 'running',
  name: `${w.cluster}-tailscale-router`,
})
const path = (w: World, router?: AwsPath['router']): AwsPath => ({
  clusterVpcId: w.vpcId,
  clusterCidrs: [w.cidr],
  endpointSubnets: [],
  peerings: [],
  peeringsReadable: true,
  sources: [{ cidr: w.vpnCidr, via: 'peering', connectionId: w.pcx, remoteVpcId: w.vpnVpcId, why: 'peering' }],
  router,
})

async function run(w: World, p: AwsPath, target: Partial<Target> = {}, options: Partial<RunOptions> = {}) {
  // The router comes with the path: no AWS call of its own.
  return runProbe(vpnRouterProbe, { env: fakeEnv(), target: { cluster: w.cluster, region: w.region, ...target }, options, data: { 'network.source-cidr': p } })
}

describe('network.vpn-router', () => {
  it.each([
    { w: A, how: '--vpn-ip' },
    { w: B, how: "the Tailscale peer's EC2 host name (172.31.9.218)" },
  ])('$w.cluster: source/dest check on → fail routing with modify-instance-attribute', async ({ w, how }) => {
    const outcome = await run(w, path(w, { ...instance(w, true), how }))
    expect(outcome).toMatchObject({ status: 'fail', code: 'SOURCE_DEST_CHECK_ON', category: 'routing', refines: 'network.tcp-connect', confirmed: false })
    expect(outcome.detail).toBe(`the VPN router ${w.routerId} (${w.routerIp}) has source/dest check on: EC2 drops every packet it forwards without source NAT`)
    expect(outcome.evidence).toEqual({ instanceId: w.routerId, privateIp: w.routerIp, found: how, sourceDestCheck: true, state: 'running' })
    expect(outcome.fixes).toHaveLength(1)
    expect(outcome.fixes?.[0]?.commands).toEqual([`aws ec2 modify-instance-attribute --instance-id ${w.routerId} --no-source-dest-check --region ${w.region}`])
    expect(outcome.fixes?.[0]?.terraform).toMatch(/source_dest_check\s+=\s+false/)
  })

  it.each([
    { w: A, how: '--vpn-instance' },
    { w: B, how: '--vpn-ip' },
  ])('$w.cluster: source/dest check off passes and says how the router was found', async ({ w, how }) => {
    const outcome = await run(w, path(w, { ...instance(w, false), how }))
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${w.routerId} (${w.routerIp}, found by ${how}) has source/dest check off`)
    expect(outcome.fixes).toBeUndefined()
  })

  it('no router named: skip with how to name it', async () => {
    expect(await run(A, path(A))).toEqual({ status: 'skip', detail: 'no VPN router named: pass --vpn-instance or --vpn-ip to check it' })
  })

  it.each([
    { target: { vpnIp: '172.31.9.9' }, given: '172.31.9.9' },
    { target: { vpnInstance: 'i-0feedfacecafe0000' }, given: 'i-0feedfacecafe0000' },
  ])('a named router that was not found ($given): skip saying so', async ({ target, given }) => {
    expect(await run(B, path(B), target)).toEqual({ status: 'skip', detail: `the VPN router ${given} was not found in ${B.region}` })
  })

  it('in the audit the finding stands alone', async () => {
    const outcome = await run(B, path(B, { ...instance(B, true), how: '--vpn-instance' }), {}, { mode: 'audit' })
    expect(outcome).toMatchObject({ status: 'fail', code: 'SOURCE_DEST_CHECK_ON', confirmed: false })
    expect(outcome.refines).toBeUndefined()
  })
})

describe('network.vpn-router in the engine: the gate of network.source-cidr', () => {
  const stub = (id: ProbeId, outcome: ProbeOutcome): Probe => ({ id, layer: id.split('.')[0] as Probe['layer'], title: id, run: async () => outcome })
  const cluster = (w: World): ClusterInfo => clusterInfo({ name: w.cluster, vpcId: w.vpcId })
  const ok = <T>(value: T): AwsResult<T> => ({ ok: true, value, ms: 30 })
  const peering = (w: World): PeeringInfo => ({ id: w.pcx, status: 'active', requester: { vpcId: w.vpcId, cidrs: [w.cidr] }, accepter: { vpcId: w.vpnVpcId, cidrs: [w.vpnCidr] } })

  it.each([
    { name: 'TCP passed', w: A, tcp: { status: 'pass', detail: 'ok' } as ProbeOutcome, expected: 'skip', aws: false, mode: 'check' as const },
    { name: 'TCP refused', w: B, tcp: { status: 'fail', code: 'TCP_REFUSED', detail: 'refused' } as ProbeOutcome, expected: 'skip', aws: false, mode: 'check' as const },
    { name: 'TCP timed out', w: B, tcp: { status: 'fail', code: 'TCP_TIMEOUT', detail: 'timeout' } as ProbeOutcome, expected: 'fail', aws: true, mode: 'check' as const },
    { name: 'the audit without TCP', w: A, tcp: undefined, expected: 'fail', aws: true, mode: 'audit' as const },
  ])('$name → vpn-router $expected (router named by --vpn-ip)', async ({ w, tcp, expected, aws, mode }) => {
    const tables: RouteTableInfo[] = [{ id: 'rtb-main', vpcId: w.vpcId, main: true, subnetIds: [], routes: [] }]
    const env = fakeEnv(
      aws
        ? {
            aws: {
              calls: {
                describeRouteTables: async () => ok(tables),
                describePeerings: async () => ok([peering(w)]), describeInstances: async () => ok([]),
                describeInstance: async (by) => ok(by.privateIp === w.routerIp ? instance(w, true) : undefined),
              },
            },
          }
        : {},
    )
    const probes = [stub('cluster.describe', { status: 'pass', detail: 'ok', data: cluster(w) }), ...(tcp ? [stub('network.tcp-connect', tcp)] : []), sourceCidrProbe, vpnRouterProbe]
    const results = await runProbes(probes, { env, target: makeTarget({ cluster: w.cluster, region: w.region, vpnIp: w.routerIp }), options: { ...DEFAULT_OPTIONS, mode } })
    const result = results.find((r) => r.id === 'network.vpn-router')
    expect(result?.status).toBe(expected)
    if (expected === 'fail') expect(result?.code).toBe('SOURCE_DEST_CHECK_ON')
    expect(env.problems).toEqual([])
  })
})
