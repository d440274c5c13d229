import { describe, expect, it } from 'vitest'
import type { AwsResult, ClusterInfo } from '../../../../src/aws/clients.js'
import type { PeeringInfo, RouteTableInfo, SecurityGroupInfo } from '../../../../src/aws/ec2.js'
import { runProbes } from '../../../../src/engine/run.js'
import type { CheckResult, Probe, ProbeData, ProbeId, ProbeOutcome, RunOptions, Status } from '../../../../src/engine/types.js'
import type { AwsPath } from '../../../../src/probes/network/aws-path.js'
import { securityGroupProbe } from '../../../../src/probes/network/security-group.js'
import { sourceCidrProbe } from '../../../../src/probes/network/source-cidr.js'
import { vpnForwardingProbe } from '../../../../src/probes/network/vpn-forwarding.js'
import { clusterInfo, DEFAULT_OPTIONS, fakeEnv, makeTarget, runProbe } from '../../../helpers/fake-env.js'

const A = { region: 'eu-west-1', cluster: 'payments-prod', vpcId: 'vpc-ad871a1e0da75dbf5', cidr: '10.20.0.0/16', vpnVpcId: 'vpc-0ad4ae85648d6ac63', vpnCidr: '10.99.0.0/16', vpnSubnet: 'subnet-98def5f461398b6a4', pcx: 'pcx-44c41607739829a5c', routerId: 'i-2f7ab6a8b06e9d7bc', routerIp: '10.99.0.10', clusterSg: 'sg-503615688ede9e995' }
const B = { region: 'ap-northeast-2', cluster: 'eks-secure-infra-dev', vpcId: 'vpc-8a451888f6ca8c214', cidr: '10.0.0.0/16', vpnVpcId: 'vpc-c8ee1ac8646efef52', vpnCidr: '172.31.0.0/16', vpnSubnet: 'subnet-ebf919af122f6d8a9', pcx: 'pcx-54e030c6cc322fa80', routerId: 'i-88bd9f38717d5cd06', routerIp: '172.31.9.218', clusterSg: 'sg-11cbd9ac6c7cc375c' }
type World = typeof A

const LINKS: ProbeId[] = ['network.vpn-router', 'network.vpn-route', 'network.peering', 'network.nacl', 'network.security-group', 'network.route-tables']

function result(id: ProbeId, status: Status, extra: Partial<CheckResult> = {}): CheckResult {
  return { id, layer: 'network', status, title: id, detail: `${id} ${status}`, evidence: {}, durationMs: 3, ...extra }
}
const allPassed = () => Object.fromEntries(LINKS.map((id) => [id, result(id, 'pass')])) as Record<ProbeId, CheckResult>

const path = (w: World, withRouter: boolean): AwsPath => ({
  clusterVpcId: w.vpcId,
  clusterCidrs: [w.cidr],
  endpointSubnets: [],
  peerings: [],
  peeringsReadable: true,
  sources: [{ cidr: w.vpnCidr, via: 'peering', connectionId: w.pcx, remoteVpcId: w.vpnVpcId, why: 'peering' }],
  router: withRouter ? { id: w.routerId, privateIp: w.routerIp, subnetId: w.vpnSubnet, vpcId: w.vpnVpcId, sourceDestCheck: false, groupIds: [], how: '--vpn-ip' } : undefined,
})

async function run(w: World, o: { results: Partial<Record<ProbeId, CheckResult>>; router?: boolean; options?: Partial<RunOptions>; data?: Partial<ProbeData> }) {
  // It reads only earlier results: no AWS call of its own.
  return runProbe(vpnForwardingProbe, {
    env: fakeEnv(),
    target: { cluster: w.cluster, region: w.region },
    options: o.options,
    data: { 'network.source-cidr': path(w, o.router ?? true), ...o.data },
    results: { 'network.tcp-connect': result('network.tcp-connect', 'fail', { code: 'TCP_TIMEOUT' }), ...o.results },
  })
}

describe('network.vpn-forwarding', () => {
  it.each([A, B])('$cluster: behind a WireGuard tunnel, the SNAT fix is the server\'s iptables rule for the client\'s tunnel address', async (w) => {
    const wireguard: ProbeData['routing.wireguard'] = {
      interfaces: [],
      carriers: [{ ip: '10.20.1.5', iface: 'wg0', publicKey: 'Yl2v5c8dKq0TnR7sW1xF4aB6eH9jM3pL0uZ2yV5tN8k=', endpoint: '198.18.40.10:51820' }],
      tunnelAddresses: { wg0: '10.250.0.2/32' },
    }
    const outcome = await run(w, { results: allPassed(), data: { 'routing.wireguard': wireguard } })
    expect(outcome.alternatives?.[0]?.summary).toBe("the VPN server does not source-NAT, so the cluster sees the client's tunnel address 10.250.0.2/32, which nothing allows or routes back")
    expect(outcome.fixes?.[0]?.commands).toEqual([`sudo iptables -t nat -A POSTROUTING -s 10.250.0.2/32 ! -o wg+ -j MASQUERADE   # on ${w.routerId}`])
    expect(outcome.fixes?.[1]?.commands[0]).toContain('/etc/sysctl.d/99-vpn-forwarding.conf')
  })

  it.each([
    { w: A, failed: 'network.security-group' as ProbeId },
    { w: B, failed: 'network.peering' as ProbeId },
    { w: A, failed: 'network.vpn-router' as ProbeId },
  ])('$w.cluster: skips when $failed already explains the dropped connection', async ({ w, failed }) => {
    const results = { ...allPassed(), [failed]: result(failed, 'fail', { code: 'SG_NO_RULE' }) }
    expect(await run(w, { results })).toEqual({ status: 'skip', detail: `${failed} already explains the dropped connection` })
  })

  it.each([A, B])('$cluster: every AWS link in order → the router itself: fail routing, not confirmed, refining the timeout', async (w) => {
    const outcome = await run(w, { results: allPassed() })
    expect(outcome).toMatchObject({ status: 'fail', code: 'VPN_NOT_FORWARDING', category: 'routing', confirmed: false, refines: 'network.tcp-connect' })
    expect(outcome.detail).toBe('the AWS side is in order (vpn-router, vpn-route, peering, nacl, security-group, route-tables): the VPN router does not forward or does not source-NAT')
    expect(outcome.alternatives?.map((a) => a.category)).toEqual(['routing', 'routing'])
    expect(outcome.alternatives?.[0]?.summary).toContain('SNAT is off')
    expect(outcome.alternatives?.[1]?.summary).toContain('IP forwarding is off')
    expect(outcome.fixes?.map((f) => f.commands[0])).toEqual([
      `sudo tailscale set --snat-subnet-routes=true   # on ${w.routerId}`,
      `echo 'net.ipv4.ip_forward = 1' | sudo tee /etc/sysctl.d/99-tailscale.conf && sudo sysctl -p /etc/sysctl.d/99-tailscale.conf   # on ${w.routerId}`,
    ])
    expect(outcome.fixes?.[0]?.why).toContain(w.vpnCidr)
    expect(outcome.evidence).toEqual({ checked: LINKS.map((id) => ({ id, status: 'pass' })) })
  })

  it('without a known router the source/dest check is an alternative and a fix to look it up', async () => {
    const results = { ...allPassed(), 'network.vpn-router': result('network.vpn-router', 'skip', { detail: 'no VPN router named' }) }
    const outcome = await run(B, { results, router: false })
    expect(outcome).toMatchObject({ status: 'fail', code: 'VPN_NOT_FORWARDING', confirmed: false })
    expect(outcome.alternatives?.map((a) => a.summary)).toEqual([expect.stringContaining('SNAT'), expect.stringContaining('IP forwarding'), expect.stringContaining('source/dest check')])
    expect(outcome.fixes?.[0]?.commands[0]).toBe('sudo tailscale set --snat-subnet-routes=true   # on the VPN router')
    // Which instance is the router is not known: the fix lists the VPN VPC's instances with their check.
    expect(outcome.fixes?.[2]?.commands[0]).toBe(
      `aws ec2 describe-instances --filters Name=vpc-id,Values=${B.vpnVpcId} --query 'Reservations[].Instances[].[InstanceId,Tags[?Key==\`Name\`]|[0].Value,SourceDestCheck]' --output text --region ${B.region}`,
    )
    expect(outcome.detail).toMatch(/^the AWS side is in order \(vpn-route, peering, nacl, security-group, route-tables\)/)
  })

  it('links that could not be read are named', async () => {
    const denied = (id: ProbeId) => result(id, 'skip', { code: 'AWS_ACCESS_DENIED', detail: 'not allowed' })
    const results = { ...allPassed(), 'network.nacl': denied('network.nacl'), 'network.security-group': denied('network.security-group') }
    const outcome = await run(A, { results })
    expect(outcome.detail).toBe(
      'the AWS side is in order (vpn-router, vpn-route, peering, route-tables), except what could not be read (network.nacl, network.security-group): the VPN router does not forward or does not source-NAT',
    )
  })

  it('a warning (peering DNS off) does not stop it', async () => {
    const results = { ...allPassed(), 'network.peering': result('network.peering', 'warn', { code: 'PEERING_DNS_OFF' }) }
    expect((await run(B, { results })).status).toBe('fail')
  })

  it('does not apply to the audit: the router kernel is not visible from AWS', async () => {
    expect(await run(A, { results: allPassed(), options: { mode: 'audit' } })).toEqual({
      status: 'skip',
      detail: "the audit reads AWS only; the router's kernel is checked from a workstation",
    })
  })
})

describe('network.vpn-forwarding in the engine', () => {
  const stub = (id: ProbeId, outcome: ProbeOutcome): Probe => ({ id, layer: id.split('.')[0] as Probe['layer'], title: id, run: async () => outcome })
  const ok = <T>(value: T): AwsResult<T> => ({ ok: true, value, ms: 30 })
  const cluster = (w: World): ClusterInfo => clusterInfo({ name: w.cluster, vpcId: w.vpcId, clusterSecurityGroupId: w.clusterSg })
  const peering = (w: World): PeeringInfo => ({ id: w.pcx, status: 'active', requester: { vpcId: w.vpcId, cidrs: [w.cidr] }, accepter: { vpcId: w.vpnVpcId, cidrs: [w.vpnCidr] } })

  function env(w: World, sgAdmits: boolean) {
    const tables: RouteTableInfo[] = [{ id: 'rtb-main', vpcId: w.vpcId, main: true, subnetIds: [], routes: [] }]
    const groups: SecurityGroupInfo[] = [
      { id: w.clusterSg, name: 'eks-cluster-sg', vpcId: w.vpcId, ingress: sgAdmits ? [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrs: [w.vpnCidr], ipv6Cidrs: [], prefixListIds: [], groups: [] }] : [] },
    ]
    return fakeEnv({
      aws: { calls: { describeRouteTables: async () => ok(tables), describePeerings: async () => ok([peering(w)]), describeInstances: async () => ok([]), describeSecurityGroups: async () => ok(groups) } },
    })
  }

  it.each([
    { w: A, sgAdmits: false, forwarding: 'skip' },
    { w: B, sgAdmits: true, forwarding: 'fail' },
  ])('$w.cluster: security group admits=$sgAdmits → vpn-forwarding $forwarding', async ({ w, sgAdmits, forwarding }) => {
    const e = env(w, sgAdmits)
    const results = await runProbes(
      [
        stub('cluster.describe', { status: 'pass', detail: 'ok', data: cluster(w) }),
        stub('network.tcp-connect', { status: 'fail', code: 'TCP_TIMEOUT', detail: 'timeout' }),
        sourceCidrProbe,
        securityGroupProbe,
        vpnForwardingProbe,
      ],
      { env: e, target: makeTarget({ cluster: w.cluster, region: w.region }), options: DEFAULT_OPTIONS },
    )
    const forwardingResult = results.find((r) => r.id === 'network.vpn-forwarding')
    expect(forwardingResult?.status).toBe(forwarding)
    if (forwarding === 'fail') expect(forwardingResult).toMatchObject({ code: 'VPN_NOT_FORWARDING', refines: 'network.tcp-connect', confirmed: false })
    expect(e.problems).toEqual([])
  })

  it('TCP passed: skipped with the source-cidr gate, nothing read', async () => {
    const e = fakeEnv()
    const results = await runProbes(
      [stub('cluster.describe', { status: 'pass', detail: 'ok', data: cluster(A) }), stub('network.tcp-connect', { status: 'pass', detail: 'ok' }), sourceCidrProbe, vpnForwardingProbe],
      { env: e, target: makeTarget({ cluster: A.cluster, region: A.region }), options: DEFAULT_OPTIONS },
    )
    expect(results.map((r) => r.status)).toEqual(['pass', 'pass', 'skip', 'skip'])
    expect(e.problems).toEqual([])
  })
})
