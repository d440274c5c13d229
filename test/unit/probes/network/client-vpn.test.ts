/**
 * network.client-vpn through the fake env: each judgement of the AWS Client VPN link (endpoint,
 * association, route, authorization rule, and the workstation's route the endpoint should push),
 * in two worlds with different values and shapes: A's endpoint sits in a VPN VPC peered with the
 * EKS VPC, B's is associated with the EKS VPC itself. Then the Client VPN side of
 * network.source-cidr (which endpoints reach the cluster, and the sources they give) and of
 * network.security-group (a rule referencing the endpoint's group).
 */
import { describe, expect, it } from 'vitest'
import type { AwsResult } from '../../../../src/aws/clients.js'
import type { ClientVpnAssociationInfo, ClientVpnEndpointInfo, ClientVpnRouteInfo, ClientVpnRuleInfo, SubnetInfo } from '../../../../src/aws/client-vpn.js'
import type { PeeringInfo, RouteTableInfo, SecurityGroupInfo } from '../../../../src/aws/ec2.js'
import type { CheckResult, RunOptions } from '../../../../src/engine/types.js'
import type { AwsPath, ClientVpnReach, ClientVpnView, SourceNetwork } from '../../../../src/probes/network/aws-path.js'
import { clientVpnProbe } from '../../../../src/probes/network/client-vpn.js'
import { judgeRoute } from '../../../../src/probes/network/routes.js'
import { securityGroupProbe } from '../../../../src/probes/network/security-group.js'
import { sourceCidrProbe } from '../../../../src/probes/network/source-cidr.js'
import type { RouteVerdict } from '../../../../src/probes/routing/local-route.js'
import { resolveTarget } from '../../../../src/target/resolve-target.js'
import { awsError, clusterInfo, fakeEnv, runProbe, tailscalePeer, tailscaleState } from '../../../helpers/fake-env.js'

const A = {
  shape: 'hub' as const,
  region: 'eu-west-1',
  cluster: 'ledger-prod',
  vpcId: 'vpc-0e91551d9b13f461b',
  cidr: '10.40.0.0/16',
  subnets: ['subnet-0e1d2c3b4a5968778', 'subnet-01a2b3c4d5e6f7081'] as [string, string],
  ips: ['10.40.1.21', '10.40.2.34'] as [string, string],
  table: 'rtb-0ce2af6e67ecaf85a',
  assocVpc: 'vpc-0a77c6e824909bb87',
  assocVpcCidr: '10.77.0.0/16',
  assocSubnets: ['subnet-0a1b2c3d4e5f60718', 'subnet-0f9e8d7c6b5a49382'] as [string, string],
  assocCidrs: ['10.77.10.0/24', '10.77.11.0/24'] as [string, string],
  azs: ['eu-west-1a', 'eu-west-1b'] as [string, string],
  pcx: 'pcx-0c6e824909bb87c7a',
  endpoint: 'cvpn-endpoint-0a1b2c3d4e5f60718',
  other: 'cvpn-endpoint-0b2c3d4e5f6071829',
  assoc: ['cvpn-assoc-0f1e2d3c4b5a69788', 'cvpn-assoc-01234567890abcdef'] as [string, string],
  vpnSg: 'sg-0c0ffee0c0ffee001',
  clusterSg: 'sg-0188476a529ad8804',
  group: 'eks-operators',
  otherGroup: 'data-science',
  pushedOther: ['10.77.0.0/16'],
}
const B = {
  shape: 'same-vpc' as const,
  region: 'ap-northeast-2',
  cluster: 'eks-secure-infra-dev',
  vpcId: 'vpc-08a451888f6ca8c21',
  cidr: '10.0.0.0/16',
  subnets: ['subnet-5ac46807a02717c34', 'subnet-e1391bffa06b64baf'] as [string, string],
  ips: ['10.0.10.239', '10.0.11.42'] as [string, string],
  table: 'rtb-03743723f8369dce2',
  assocVpc: 'vpc-08a451888f6ca8c21',
  assocVpcCidr: '10.0.0.0/16',
  assocSubnets: ['subnet-0d4e5f60718293a4b', 'subnet-0c3b2a1908f7e6d5c'] as [string, string],
  assocCidrs: ['10.0.200.0/24', '10.0.201.0/24'] as [string, string],
  azs: ['ap-northeast-2a', 'ap-northeast-2c'] as [string, string],
  pcx: undefined,
  endpoint: 'cvpn-endpoint-03c4d5e6f708192a3',
  other: 'cvpn-endpoint-0e5f60718293a4b5c',
  assoc: ['cvpn-assoc-0123abcd4567ef890', 'cvpn-assoc-0987fedc6543ba210'] as [string, string],
  vpnSg: 'sg-011cbd9ac6c7cc375',
  clusterSg: 'sg-0aa0bb0cc0dd0ee0f',
  group: 'infra-dev',
  otherGroup: 'infra-prod',
  pushedOther: ['10.100.0.0/22'],
}
type World = typeof A | typeof B
const WORLDS: World[] = [A, B]

const ok = <T>(value: T): AwsResult<T> => ({ ok: true, value, ms: 30 })
const tcp = (status: CheckResult['status'], code?: CheckResult['code']): CheckResult => ({ id: 'network.tcp-connect', layer: 'network', status, title: 'TCP', detail: `tcp ${status}`, ...(code ? { code } : {}), evidence: {}, durationMs: 5 })
const TIMED_OUT = tcp('fail', 'TCP_TIMEOUT')
const ROUTE_BROKEN: CheckResult = { id: 'routing.local-route', layer: 'routing', status: 'fail', code: 'ROUTE_NOT_VPN', title: 'route', detail: 'leaves through en0', evidence: {}, durationMs: 3 }
/** The workstation sends the endpoint IPs out of its default route, as with no tunnel route for them. */
const outside = (w: World, iface = 'en0'): RouteVerdict[] =>
  w.ips.map((ip) => ({ ip, kind: 'default', lookup: { destination: ip, ok: true, interface: iface, gateway: '192.168.1.1', matched: '0.0.0.0/0' } }))

function endpointOf(w: World, o: Partial<ClientVpnEndpointInfo> = {}): ClientVpnEndpointInfo {
  return {
    id: w.endpoint,
    status: 'available',
    name: `${w.cluster}-vpn`,
    clientCidrBlock: '172.20.0.0/22',
    splitTunnel: true,
    vpcId: w.assocVpc,
    securityGroupIds: [w.vpnSg],
    dnsServers: [],
    authentication: ['federated-authentication'],
    ...o,
  }
}

function associationsOf(w: World, status = 'associated'): ClientVpnReach['associations'] {
  return w.assocSubnets.map((subnetId, i) => ({
    id: w.assoc[i] as string,
    endpointId: w.endpoint,
    subnetId,
    vpcId: w.assocVpc,
    status,
    securityGroupIds: [w.vpnSg],
    cidr: w.assocCidrs[i] as string,
    az: w.azs[i] as string,
    ...(w.pcx ? { connectionId: w.pcx } : {}),
  }))
}

const reachOf = (w: World, o: { endpoint?: Partial<ClientVpnEndpointInfo>; associations?: ClientVpnReach['associations'] } = {}): ClientVpnReach => ({
  endpoint: endpointOf(w, o.endpoint),
  associations: o.associations ?? associationsOf(w),
  how: 'test',
})

function sourcesOf(w: World, reach: ClientVpnReach): SourceNetwork[] {
  return reach.associations
    .filter((a) => a.cidr && !['disassociating', 'disassociated'].includes(a.status))
    .map((a) => ({
      cidr: a.cidr as string,
      via: 'client-vpn' as const,
      ...(w.pcx ? { connectionId: w.pcx, remoteVpcId: w.assocVpc } : {}),
      why: `the subnet ${a.subnetId} associated with the Client VPN endpoint ${w.endpoint}`,
      groupIds: [w.vpnSg],
      subnetId: a.subnetId,
    }))
}

function pathOf(w: World, view: ClientVpnView): AwsPath {
  return {
    clusterVpcId: w.vpcId,
    clusterCidrs: [w.cidr],
    endpointSubnets: w.subnets.map((subnetId, i) => ({ subnetId, ips: [w.ips[i] as string] })),
    peerings: w.pcx ? [hubPeering(w)] : [],
    peeringsReadable: true,
    sources: view.endpoints.flatMap((r) => sourcesOf(w, r)),
    clientVpn: view,
  }
}

/** The routes AWS shows: the association's own VPC, and (hub) the EKS VPC added by hand. */
function routesOf(w: World): ClientVpnRouteInfo[] {
  return [
    ...w.assocSubnets.map((targetSubnet) => ({ destinationCidr: w.assocVpcCidr, targetSubnet, type: 'Nat', origin: 'associate', status: 'active' })),
    ...(w.shape === 'hub' ? w.assocSubnets.map((targetSubnet) => ({ destinationCidr: w.cidr, targetSubnet, type: 'Nat', origin: 'add-route', status: 'active' })) : []),
  ]
}
const ruleFor = (w: World): ClientVpnRuleInfo => ({ destinationCidr: w.cidr, accessAll: false, groupId: w.group, status: 'active' })

interface Setup {
  reach?: ClientVpnReach
  view?: ClientVpnView
  rules?: AwsResult<ClientVpnRuleInfo[]>
  routes?: AwsResult<ClientVpnRouteInfo[]>
  subnets?: AwsResult<SubnetInfo[]>
  target?: Record<string, unknown>
  options?: Partial<RunOptions>
  local?: RouteVerdict[]
  tcpResult?: CheckResult
  platform?: 'linux' | 'darwin' | 'win32'
}

async function run(w: World, s: Setup = {}) {
  const asked = { rules: [] as string[], routes: [] as string[], subnets: [] as unknown[] }
  const view = s.view ?? { endpoints: [s.reach ?? reachOf(w)] }
  const env = fakeEnv({
    platform: s.platform ?? 'darwin',
    aws: {
      calls: {
        describeClientVpnAuthorizationRules: async (id) => (asked.rules.push(id), s.rules ?? ok([ruleFor(w)])),
        describeClientVpnRoutes: async (id) => (asked.routes.push(id), s.routes ?? ok(routesOf(w))),
        describeSubnets: async (by) => (asked.subnets.push(by), s.subnets ?? ok([])),
      },
    },
  })
  const outcome = await runProbe(clientVpnProbe, {
    env,
    target: { cluster: w.cluster, region: w.region, ...s.target },
    options: s.options,
    data: { 'network.source-cidr': pathOf(w, view), ...(s.local ? { 'routing.local-route': s.local } : {}) },
    results: { 'network.tcp-connect': s.tcpResult ?? TIMED_OUT, ...(s.local ? { 'routing.local-route': ROUTE_BROKEN } : {}) },
  })
  return { outcome, asked, commands: (outcome.fixes ?? []).flatMap((f) => f.commands) }
}

describe.each(WORLDS)('network.client-vpn in $cluster ($shape)', (w) => {
  const R = `--region ${w.region}`
  const E = w.endpoint

  it('passes when the endpoint is available, associated, routes the cluster and admits the user\'s group', async () => {
    const { outcome, asked } = await run(w, { target: { clientVpnGroup: w.group } })
    const pushed = [...new Set(routesOf(w).map((r) => r.destinationCidr))].join(', ')
    expect(outcome).toMatchObject({
      status: 'pass',
      detail: `${E} available (split tunnel on: it pushes ${pushed}); ${w.assocSubnets.join(', ')} associated; route ${routesOf(w).find((r) => r.destinationCidr === w.cidr)?.destinationCidr} → ${w.assocSubnets[0]} (active); rule ${w.cidr} for ${w.group} (active)`,
    })
    expect(asked).toMatchObject({ rules: [E], routes: [E], subnets: [] })
    expect(outcome.evidence).toMatchObject({ endpoint: { id: E, splitTunnel: true, securityGroups: [w.vpnSg] }, pushedToClient: pushed.split(', ') })
  })

  it('an endpoint that is deleted: routing, confirmed, and where to look for the current one', async () => {
    const { outcome, commands } = await run(w, { reach: reachOf(w, { endpoint: { status: 'deleted' }, associations: [] }) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_UNAVAILABLE', category: 'routing', confirmed: true, refines: 'network.tcp-connect' })
    expect(outcome.detail).toBe(`the Client VPN endpoint ${E} is deleted: it accepts no connection`)
    expect(commands).toEqual([`aws ec2 describe-client-vpn-endpoints ${R} --query "ClientVpnEndpoints[?Status.Code=='available'].[ClientVpnEndpointId,VpcId,Description]" --output text`])
  })

  it('the named endpoint is being deleted while another reaches the cluster: connect through that one', async () => {
    const replacement = reachOf(w, { endpoint: { id: w.other } })
    const { outcome, commands } = await run(w, { view: { endpoints: [replacement, reachOf(w, { endpoint: { status: 'deleting' } })] }, target: { clientVpnEndpoint: E } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_UNAVAILABLE' })
    expect(outcome.fixes?.[0]?.title).toBe(`Connect through ${w.other} instead of ${E} (deleting)`)
    // SAML sign-in needs the AWS VPN Client: no plain OpenVPN command.
    expect(commands).toEqual([`aws ec2 export-client-vpn-client-configuration --client-vpn-endpoint-id ${w.other} --output text ${R} > ${w.other}.ovpn`])
  })

  it('no association in the cluster VPC or a VPC connected to it: routing, the subnets to associate', async () => {
    const vpcSubnets: SubnetInfo[] = [
      { id: w.assocSubnets[0], vpcId: w.assocVpc, cidr: w.assocCidrs[0], az: w.azs[0] },
      { id: 'subnet-0ffff0000eeee1111', vpcId: w.assocVpc, cidr: '10.99.99.0/24', az: w.azs[0] },
      { id: w.assocSubnets[1], vpcId: w.assocVpc, cidr: w.assocCidrs[1], az: w.azs[1] },
    ]
    const { outcome, asked, commands } = await run(w, { reach: reachOf(w, { endpoint: { status: 'pending-associate' }, associations: [] }), routes: ok([]), subnets: ok(vpcSubnets), target: { clientVpnGroup: w.group } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_NOT_ASSOCIATED', category: 'routing', confirmed: true })
    if (w.shape === 'hub') {
      // The hub's subnets, the first of each zone.
      expect(asked.subnets).toEqual([{ vpcId: w.assocVpc }])
      expect(outcome.detail).toContain(`has no subnet associated in ${w.vpcId} or in ${w.assocVpc}, connected to it by ${w.pcx}`)
      expect(commands).toEqual([
        `aws ec2 associate-client-vpn-target-network --client-vpn-endpoint-id ${E} --subnet-id ${w.assocSubnets[0]} ${R}`,
        `aws ec2 associate-client-vpn-target-network --client-vpn-endpoint-id ${E} --subnet-id ${w.assocSubnets[1]} ${R}`,
        `aws ec2 create-client-vpn-route --client-vpn-endpoint-id ${E} --destination-cidr-block ${w.cidr} --target-vpc-subnet-id ${w.assocSubnets[0]} --description "EKS API" ${R}`,
        `aws ec2 create-client-vpn-route --client-vpn-endpoint-id ${E} --destination-cidr-block ${w.cidr} --target-vpc-subnet-id ${w.assocSubnets[1]} --description "EKS API" ${R}`,
      ])
    } else {
      // In the cluster VPC: its endpoint subnets, and the association adds the route itself.
      expect(asked.subnets).toEqual([])
      expect(outcome.detail).toContain(`the Client VPN endpoint ${E} has no subnet associated in ${w.vpcId}: no network interface carries its clients' traffic there`)
      expect(commands).toEqual(w.subnets.map((s) => `aws ec2 associate-client-vpn-target-network --client-vpn-endpoint-id ${E} --subnet-id ${s} ${R}`))
    }
  })

  it('no association, and the workstation routes the endpoint outside the VPN: it explains the local route too', async () => {
    const { outcome } = await run(w, { reach: reachOf(w, { endpoint: { status: 'pending-associate' }, associations: [] }), routes: ok([]), local: outside(w), target: { clientVpnGroup: w.group } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_NOT_ASSOCIATED', refines: 'routing.local-route' })
    expect(outcome.detail.startsWith(`${w.ips.join(', ')} leave outside the VPN: the Client VPN endpoint ${E} has no subnet associated in ${w.vpcId}`)).toBe(true)
  })

  it('associations that failed: each dropped and associated again', async () => {
    const failed = associationsOf(w, 'association-failed').map((a) => ({ ...a, statusMessage: 'There are not enough free IP addresses in the subnet' }))
    const { outcome, commands } = await run(w, { reach: reachOf(w, { associations: failed }), target: { clientVpnGroup: w.group } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_NOT_ASSOCIATED', confirmed: true })
    expect(outcome.detail).toContain(`${w.assoc[0]} (${w.assocSubnets[0]}) is association-failed (There are not enough free IP addresses in the subnet)`)
    expect(commands).toEqual(
      w.assocSubnets.flatMap((s, i) => [
        `aws ec2 disassociate-client-vpn-target-network --client-vpn-endpoint-id ${E} --association-id ${w.assoc[i]} ${R}`,
        `aws ec2 associate-client-vpn-target-network --client-vpn-endpoint-id ${E} --subnet-id ${s} ${R}`,
      ]),
    )
  })

  it('associations still associating: suspected, not confirmed, nothing to run yet', async () => {
    const { outcome } = await run(w, { reach: reachOf(w, { associations: associationsOf(w, 'associating') }), target: { clientVpnGroup: w.group } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_NOT_ASSOCIATED', confirmed: false, fixes: [] })
    expect(outcome.alternatives?.[0]?.summary).toMatch(/takes a few minutes/)
  })

  it('no route for the cluster with split tunnel on, the endpoint IP leaving by en0: the route the endpoint should push, refining the local route', async () => {
    const routes = routesOf(w).filter((r) => r.destinationCidr !== w.cidr)
    const { outcome, commands } = await run(w, { routes: ok(w.shape === 'hub' ? routes : []), local: outside(w), target: { clientVpnGroup: w.group } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_ROUTE_MISSING', category: 'routing', confirmed: true, refines: 'routing.local-route' })
    const pushed = w.shape === 'hub' ? w.assocVpcCidr : 'none'
    expect(outcome.detail).toBe(
      `${w.ips.join(', ')} leave outside the VPN: no route of ${E} covers ${w.ips.join(', ')}; with split tunnel on it pushes only its own routes (${pushed}) to the client, so the client's traffic for ${w.cidr} never enters the tunnel: ${E} should push ${w.cidr} through ${w.assocSubnets.join(', ')}`,
    )
    expect(commands).toEqual(w.assocSubnets.map((s) => `aws ec2 create-client-vpn-route --client-vpn-endpoint-id ${E} --destination-cidr-block ${w.cidr} --target-vpc-subnet-id ${s} --description "EKS API" ${R}`))
    expect(outcome.fixes?.[0]?.why).toMatch(/then reconnect: a split-tunnel client gets new routes only when it connects/)
  })

  it('no route for the cluster with split tunnel off: the endpoint drops it, explaining the dropped SYN, not the local route', async () => {
    const { outcome } = await run(w, { reach: reachOf(w, { endpoint: { splitTunnel: false } }), routes: ok(routesOf(w).filter((r) => r.destinationCidr !== w.cidr && w.shape === 'hub')), target: { clientVpnGroup: w.group } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_ROUTE_MISSING', refines: 'network.tcp-connect' })
    expect(outcome.detail).toBe(`no route of ${E} covers ${w.ips.join(', ')}`)
  })

  it('a route that failed is deleted and created again; a route through a subnet that is not associated is added through the associated ones', async () => {
    const failed = await run(w, { routes: ok([{ destinationCidr: w.cidr, targetSubnet: w.assocSubnets[0], origin: 'add-route', status: 'failed', statusMessage: 'Insufficient capacity' }]), target: { clientVpnGroup: w.group } })
    expect(failed.outcome.detail).toBe(`the route ${w.cidr} → ${w.assocSubnets[0]} (failed) of ${E} for ${w.ips.join(', ')} is not active (Insufficient capacity); with split tunnel on it pushes only its own routes (none) to the client, so the client's traffic for ${w.cidr} never enters the tunnel: ${E} should push ${w.cidr} through ${w.assocSubnets.join(', ')}`)
    expect(failed.commands.slice(0, 2)).toEqual([
      `aws ec2 delete-client-vpn-route --client-vpn-endpoint-id ${E} --destination-cidr-block ${w.cidr} --target-vpc-subnet-id ${w.assocSubnets[0]} ${R}`,
      `aws ec2 create-client-vpn-route --client-vpn-endpoint-id ${E} --destination-cidr-block ${w.cidr} --target-vpc-subnet-id ${w.assocSubnets[0]} --description "EKS API" ${R}`,
    ])
    const stray = await run(w, { routes: ok([{ destinationCidr: w.cidr, targetSubnet: 'subnet-0dead0beef0dead0b', status: 'active' }]), target: { clientVpnGroup: w.group } })
    expect(stray.outcome.detail).toContain(`${E} routes ${w.ips.join(', ')} through subnet-0dead0beef0dead0b, which is not an associated subnet`)
  })

  it('no authorization rule for the cluster: security-group, a rule for the one group the endpoint admits elsewhere', async () => {
    const { outcome, commands } = await run(w, { rules: ok([{ destinationCidr: w.pushedOther[0] as string, accessAll: false, groupId: w.group, status: 'active' }]) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_NOT_AUTHORIZED', category: 'security-group', confirmed: true })
    expect(outcome.detail).toBe(`no active authorization rule of ${E} admits anyone to ${w.ips.join(', ')} (its rules cover ${w.pushedOther[0]})`)
    expect(commands).toEqual([`aws ec2 authorize-client-vpn-ingress --client-vpn-endpoint-id ${E} --target-network-cidr ${w.cidr} --access-group-id ${w.group} --description "EKS API" ${R}`])
    expect(outcome.fixes?.[0]?.why).toContain(`${w.group} is the group the endpoint's other rules admit.`)
  })

  it('a rule still being authorized admits nobody yet; with no group to go by the fix admits every client', async () => {
    const { outcome, commands } = await run(w, { rules: ok([{ ...ruleFor(w), status: 'authorizing' }, { destinationCidr: w.pushedOther[0] as string, accessAll: true, status: 'active' }]) })
    expect(outcome.detail).toBe(`no active authorization rule of ${E} admits anyone to ${w.ips.join(', ')} (${w.cidr} for ${w.group} (authorizing))`)
    expect(commands).toEqual([`aws ec2 authorize-client-vpn-ingress --client-vpn-endpoint-id ${E} --target-network-cidr ${w.cidr} --authorize-all-groups --description "EKS API" ${R}`])
  })

  it('a rule for another group while the user names theirs: confirmed, a rule for the user\'s group', async () => {
    const { outcome, commands } = await run(w, { rules: ok([{ ...ruleFor(w), groupId: w.otherGroup }]), target: { clientVpnGroup: w.group } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_NOT_AUTHORIZED', confirmed: true })
    expect(outcome.detail).toBe(`the rule that decides ${w.ips.join(', ')} on ${E} (${w.cidr} for ${w.otherGroup} (active)) admits ${w.otherGroup}, not your group ${w.group}`)
    expect(commands).toEqual([`aws ec2 authorize-client-vpn-ingress --client-vpn-endpoint-id ${E} --target-network-cidr ${w.cidr} --access-group-id ${w.group} --description "EKS API" ${R}`])
  })

  it('the most specific rule decides: a group rule for a /24 overrides all clients on the VPC, and the fix names the /24', async () => {
    const narrow = `${w.ips[0].split('.').slice(0, 3).join('.')}.0/24`
    const rules = ok([{ destinationCidr: w.cidr, accessAll: true, status: 'active' }, { destinationCidr: narrow, accessAll: false, groupId: w.otherGroup, status: 'active' }])
    const { outcome, commands } = await run(w, { rules, target: { clientVpnGroup: w.group } })
    expect(outcome.detail).toBe(`the rule that decides ${w.ips[0]} on ${E} (${narrow} for ${w.otherGroup} (active)) admits ${w.otherGroup}, not your group ${w.group}`)
    expect(commands).toEqual([`aws ec2 authorize-client-vpn-ingress --client-vpn-endpoint-id ${E} --target-network-cidr ${narrow} --access-group-id ${w.group} --description "EKS API" ${R}`])
  })

  it('a group rule on an endpoint that authenticates with certificates only: no client carries a group, so every client is authorized', async () => {
    const { outcome, commands } = await run(w, { reach: reachOf(w, { endpoint: { authentication: ['certificate-authentication'] } }) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_NOT_AUTHORIZED', confirmed: true })
    expect(outcome.detail).toContain('authenticates with certificates alone, which carry no group: no client matches')
    expect(commands).toEqual([`aws ec2 authorize-client-vpn-ingress --client-vpn-endpoint-id ${E} --target-network-cidr ${w.cidr} --authorize-all-groups --description "EKS API" ${R}`])
    expect(outcome.fixes?.[0]?.terraform).toContain('authorize_all_groups   = true')
  })

  it('only some groups admitted and the user\'s group unknown: suspected in the check, a warning in the audit', async () => {
    const checked = await run(w)
    expect(checked.outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_NOT_AUTHORIZED', confirmed: false })
    expect(checked.outcome.detail).toBe(`only members of ${w.group} may reach ${w.ips.join(', ')} through ${E} (${w.cidr} for ${w.group} (active)): if you are not one of them, the endpoint drops your packets`)
    expect(checked.commands).toEqual([`aws ec2 describe-client-vpn-authorization-rules --client-vpn-endpoint-id ${E} ${R} --query "AuthorizationRules[].[DestinationCidr,GroupId,AccessAll,Status.Code]" --output text`])
    const audited = await run(w, { options: { mode: 'audit' } })
    expect(audited.outcome).toMatchObject({ status: 'warn', code: 'CLIENT_VPN_NOT_AUTHORIZED' })
  })

  it('every link in order but the endpoint IPs leave by en0: the client is not connected (split tunnel: or connected before the route existed)', async () => {
    const { outcome, commands } = await run(w, { local: outside(w), target: { clientVpnGroup: w.group }, reach: reachOf(w, { endpoint: { authentication: ['certificate-authentication'] } }), rules: ok([{ destinationCidr: w.cidr, accessAll: true, status: 'active' }]) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLIENT_VPN_NOT_CONNECTED', category: 'routing', confirmed: false, refines: 'routing.local-route' })
    expect(outcome.detail).toContain(`${w.ips[0]} leaves through en0; ${w.ips[1]} leaves through en0, not the VPN, though ${E} (split tunnel on) pushes ${routesOf(w).find((r) => covers(r.destinationCidr, w.ips[0]))?.destinationCidr} to its clients`)
    expect(commands).toEqual([`aws ec2 export-client-vpn-client-configuration --client-vpn-endpoint-id ${E} --output text ${R} > ${E}.ovpn`, `sudo openvpn --config ${E}.ovpn`])
    expect(outcome.fixes?.[0]?.title).toBe(`Reconnect the AWS VPN Client to ${E}`)
  })

  it('full tunnel, Windows: connect; the configuration is written as ASCII, not PowerShell\'s UTF-16', async () => {
    const { outcome, commands } = await run(w, { local: outside(w, 'Ethernet'), platform: 'win32', target: { clientVpnGroup: w.group }, reach: reachOf(w, { endpoint: { splitTunnel: false } }) })
    expect(outcome).toMatchObject({ code: 'CLIENT_VPN_NOT_CONNECTED', refines: 'routing.local-route' })
    expect(outcome.detail).toContain(`though ${E} has split tunnel off, so a connected client sends everything through the tunnel`)
    expect(commands).toEqual([`aws ec2 export-client-vpn-client-configuration --client-vpn-endpoint-id ${E} --output text ${R} | Out-File -Encoding ascii ${E}.ovpn`])
  })

  it('skips, saying why: nothing read, not allowed, another VPN, no endpoint, a named endpoint not there', async () => {
    const denied = awsError('AWS_ACCESS_DENIED', 'not authorized', { action: 'ec2:DescribeClientVpnEndpoints', errorName: 'UnauthorizedOperation' })
    expect((await run(w, { view: { endpoints: [], failure: denied as never } })).outcome).toMatchObject({ status: 'skip', code: 'AWS_ACCESS_DENIED', detail: 'not allowed to call ec2:DescribeClientVpnEndpoints: allow it to settle this link' })
    expect((await run(w, { view: { endpoints: [], unread: 'the Tailscale peer ts-router serves the endpoint IPs' } })).outcome).toEqual({ status: 'skip', detail: 'not an AWS Client VPN path: the Tailscale peer ts-router serves the endpoint IPs' })
    expect((await run(w, { view: { endpoints: [] } })).outcome).toEqual({ status: 'skip', detail: `no AWS Client VPN endpoint of ${w.region} reaches ${w.vpcId}` })
    expect((await run(w, { view: { endpoints: [] }, target: { clientVpnEndpoint: w.other } })).outcome).toEqual({ status: 'skip', detail: `--client-vpn-endpoint ${w.other} is not a Client VPN endpoint of ${w.region}` })
    const rules = awsError('AWS_ACCESS_DENIED', 'not authorized', { action: 'ec2:DescribeClientVpnAuthorizationRules' })
    expect((await run(w, { rules })).outcome).toMatchObject({ status: 'skip', detail: 'not allowed to call ec2:DescribeClientVpnAuthorizationRules: allow it to settle this link' })
    const env = fakeEnv()
    expect(await runProbe(clientVpnProbe, { env, target: { cluster: w.cluster, region: w.region }, results: { 'network.tcp-connect': TIMED_OUT } })).toEqual({ status: 'skip', detail: 'the AWS path was not read (network.source-cidr)' })
  })

  it('TCP that connects needs no AWS reading: skip without a call', async () => {
    const env = fakeEnv()
    const outcome = await runProbe(clientVpnProbe, { env, target: { cluster: w.cluster, region: w.region }, data: { 'network.source-cidr': pathOf(w, { endpoints: [reachOf(w)] }) }, results: { 'network.tcp-connect': tcp('pass') } })
    expect(outcome).toEqual({ status: 'skip', detail: 'TCP reaches every endpoint IP: the AWS path needs no reading' })
  })
})

function covers(cidr: string, ip: string): boolean {
  const [base, bits] = cidr.split('/')
  const n = (a: string) => a.split('.').reduce((x, o) => x * 256 + Number(o), 0)
  const size = 2 ** (32 - Number(bits))
  return Math.floor(n(ip) / size) === Math.floor(n(base ?? '') / size)
}

// ——— network.source-cidr: the Client VPN side ———

function tablesOf(w: World, extra: RouteTableInfo['routes'] = []): RouteTableInfo[] {
  const routes = [{ destination: w.cidr, targetType: 'local' as const, targetId: 'local', state: 'active' }, ...extra]
  return [{ id: w.table, vpcId: w.vpcId, main: true, subnetIds: [], routes }]
}
const hubPeering = (w: World): PeeringInfo => ({
  id: w.pcx ?? 'pcx-unused',
  status: 'active',
  requester: { vpcId: w.vpcId, cidrs: [w.cidr], allowDnsResolutionFromRemoteVpc: true },
  accepter: { vpcId: w.assocVpc, cidrs: [w.assocVpcCidr], allowDnsResolutionFromRemoteVpc: true },
})
const toAssociation = (a: ClientVpnReach['associations'][number]): ClientVpnAssociationInfo => ({ id: a.id, endpointId: a.endpointId, subnetId: a.subnetId, vpcId: a.vpcId, status: a.status, securityGroupIds: a.securityGroupIds })

interface SourceSetup {
  endpoints?: AwsResult<ClientVpnEndpointInfo[]>
  associations?: Record<string, ClientVpnAssociationInfo[]>
  subnets?: SubnetInfo[]
  peerings?: PeeringInfo[]
  tables?: RouteTableInfo[]
  target?: Record<string, unknown>
  tailscale?: ReturnType<typeof tailscaleState>
}

async function inferFor(w: World, s: SourceSetup = {}) {
  const asked = { endpoints: 0, associations: [] as string[], subnets: [] as unknown[] }
  const assocSubnets: SubnetInfo[] = w.assocSubnets.map((id, i) => ({ id, vpcId: w.assocVpc, cidr: w.assocCidrs[i] as string, az: w.azs[i] as string }))
  const env = fakeEnv({
    aws: {
      calls: {
        describeRouteTables: async () => ok(s.tables ?? tablesOf(w, w.pcx ? [{ destination: w.assocVpcCidr, targetType: 'pcx', targetId: w.pcx, state: 'active' }] : [])),
        describePeerings: async () => ok(s.peerings ?? (w.pcx ? [hubPeering(w)] : [])),
        describeInstances: async () => ok([]),
        describeClientVpnEndpoints: async () => (asked.endpoints++, s.endpoints ?? ok([endpointOf(w)])),
        describeClientVpnTargetNetworks: async (id) => (asked.associations.push(id), ok(s.associations?.[id] ?? (id === w.endpoint ? associationsOf(w).map(toAssociation) : []))),
        describeSubnets: async (by) => (asked.subnets.push(by), ok(s.subnets ?? assocSubnets)),
      },
    },
  })
  const outcome = await runProbe(sourceCidrProbe, {
    env,
    target: { cluster: w.cluster, region: w.region, ...s.target },
    data: {
      'cluster.describe': clusterInfo({ name: w.cluster, vpcId: w.vpcId, subnetIds: [...w.subnets] }),
      'cluster.endpoint-enis': { enis: w.subnets.map((subnetId, i) => ({ id: `eni-0${i}`, privateIps: [w.ips[i] as string], subnetId, vpcId: w.vpcId, description: `Amazon EKS ${w.cluster}`, groupIds: [w.clusterSg] })), ips: [...w.ips] },
      'cluster.vpc': { vpcId: w.vpcId, cidrs: [w.cidr] },
      ...(s.tailscale ? { 'routing.tailscale': s.tailscale } : {}),
    },
    results: { 'network.tcp-connect': TIMED_OUT },
  })
  return { outcome, asked, path: outcome.data as AwsPath }
}

describe.each(WORLDS)('network.source-cidr through AWS Client VPN, $cluster ($shape)', (w) => {
  it('the associated subnets are the sources, found through the endpoint\'s association, with its security group', async () => {
    const { outcome, path, asked } = await inferFor(w)
    expect(outcome.status).toBe('pass')
    expect(asked).toEqual({ endpoints: 1, associations: [w.endpoint], subnets: [{ ids: [...w.assocSubnets] }] })
    expect(path.sources).toEqual(
      w.assocSubnets.map((subnetId, i) => ({
        cidr: w.assocCidrs[i],
        via: 'client-vpn',
        ...(w.pcx ? { connectionId: w.pcx, remoteVpcId: w.assocVpc } : {}),
        why: `the subnet ${subnetId} associated with the Client VPN endpoint ${w.endpoint} (associated): Client VPN sends its clients' traffic from its network interface there`,
        groupIds: [w.vpnSg],
        subnetId,
      })),
    )
    // The peered hub's whole CIDR only carries the subnets: it gives way to them.
    expect(path.sources.map((s) => s.cidr)).not.toContain(w.assocVpcCidr)
    expect(path.clientVpn?.endpoints.map((r) => [r.endpoint.id, r.how])).toEqual([
      [w.endpoint, `its association ${w.assoc[0]} is in ${w.pcx ? `${w.assocVpc}, connected to the cluster VPC by ${w.pcx}` : `the cluster VPC ${w.vpcId}`}`],
    ])
  })

  it('an endpoint associated with a VPC nothing connects is not the path; a named one is', async () => {
    const stranger = endpointOf(w, { id: w.other, vpcId: 'vpc-0123456789abcdef0' })
    const associations = { [w.other]: [{ id: 'cvpn-assoc-0aaaabbbbccccdddd', endpointId: w.other, subnetId: 'subnet-0aaaabbbbccccdddd', vpcId: 'vpc-0123456789abcdef0', status: 'associated', securityGroupIds: [] }] }
    const subnets: SubnetInfo[] = [{ id: 'subnet-0aaaabbbbccccdddd', vpcId: 'vpc-0123456789abcdef0', cidr: '10.123.0.0/24' }]
    const unnamed = await inferFor(w, { endpoints: ok([stranger]), associations, subnets })
    expect(unnamed.path.clientVpn?.endpoints).toEqual([])
    expect(unnamed.path.sources.every((s) => s.via !== 'client-vpn')).toBe(true)
    const named = await inferFor(w, { endpoints: ok([stranger]), associations, subnets, target: { clientVpnEndpoint: w.other } })
    expect(named.path.clientVpn?.endpoints.map((r) => [r.endpoint.id, r.how])).toEqual([[w.other, 'named with --client-vpn-endpoint']])
  })

  it('an association in a network the endpoint subnets route to a gateway counts, over that gateway', async () => {
    const tgw = 'vgw-0a1b2c3d4e5f60718'
    const tables = tablesOf(w, [{ destination: '10.160.0.0/12', targetType: 'vgw', targetId: tgw, state: 'active' }])
    const far = endpointOf(w, { id: w.other, vpcId: 'vpc-0feed0000beef0001' })
    const associations = { [w.other]: [{ id: 'cvpn-assoc-0ccccddddeeeeffff', endpointId: w.other, subnetId: 'subnet-0ccccddddeeeeffff', vpcId: 'vpc-0feed0000beef0001', status: 'associated', securityGroupIds: ['sg-0feed0000beef0001'] }] }
    const { path } = await inferFor(w, { tables, peerings: [], endpoints: ok([far]), associations, subnets: [{ id: 'subnet-0ccccddddeeeeffff', vpcId: 'vpc-0feed0000beef0001', cidr: '10.170.4.0/24' }] })
    expect(path.sources.map((s) => [s.cidr, s.via, s.connectionId ?? null])).toEqual([['10.170.4.0/24', 'client-vpn', tgw]])
  })

  it('another VPN\'s path is not read: a Tailscale peer serving the endpoint IPs, or a named router', async () => {
    const peer = tailscalePeer({ hostName: 'ts-router', tailscaleIPs: ['100.100.7.8'], primaryRoutes: [w.cidr] })
    const byTailscale = await inferFor(w, { tailscale: tailscaleState({ peers: [peer] }) })
    expect(byTailscale.asked.endpoints).toBe(0)
    expect(byTailscale.path.clientVpn).toEqual({ endpoints: [], unread: 'the Tailscale peer ts-router serves the endpoint IPs' })
  })

  it('an endpoint that reaches the cluster VPC but has no association there: found by its VPC, and nothing else blamed for it', async () => {
    const { outcome, path } = await inferFor(w, { associations: { [w.endpoint]: [] } })
    expect(path.clientVpn?.endpoints.map((r) => r.how)).toEqual([`it was made in ${w.pcx ? `${w.assocVpc}, connected to the cluster VPC by ${w.pcx}` : `the cluster VPC ${w.vpcId}`}`])
    if (w.pcx) {
      // The peering still says where traffic would come from.
      expect(outcome.status).toBe('pass')
      expect(path.sources.map((s) => [s.cidr, s.via])).toEqual([[w.assocVpcCidr, 'peering']])
    } else {
      // Nothing connects the VPC yet: that is the endpoint's missing association, which network.client-vpn names.
      expect(outcome).toMatchObject({ status: 'fail', code: 'NO_SOURCE_NETWORK', explainedBy: 'network.client-vpn' })
      expect(outcome.detail).toBe(`nothing enters ${w.vpcId} from the VPN yet: the Client VPN endpoint ${w.endpoint} has no associated subnet in it or in a VPC connected to it`)
    }
  })

  it('Client VPN that cannot be read leaves the rest of the path to go by', async () => {
    const denied = awsError('AWS_ACCESS_DENIED', 'You are not authorized to perform this operation.', { action: 'ec2:DescribeClientVpnEndpoints' })
    const { outcome, path } = await inferFor(w, { endpoints: denied })
    expect(path.clientVpn?.failure).toMatchObject({ code: 'AWS_ACCESS_DENIED', action: 'ec2:DescribeClientVpnEndpoints' })
    expect(outcome.evidence).toMatchObject({ clientVpn: 'You are not authorized to perform this operation.' })
  })
})

// ——— network.security-group and the route tables with a Client VPN source ———

describe.each(WORLDS)('the cluster security group and route tables for Client VPN traffic, $cluster ($shape)', (w) => {
  const sg = (rule: SecurityGroupInfo['ingress'][number]): SecurityGroupInfo => ({ id: w.clusterSg, name: 'eks-cluster-sg', vpcId: w.vpcId, ingress: [rule, { protocol: '-1', cidrs: [], ipv6Cidrs: [], prefixListIds: [], groups: [{ groupId: w.clusterSg }] }] })
  const runSg = (groups: SecurityGroupInfo[]) => {
    const env = fakeEnv({ aws: { calls: { describeSecurityGroups: async () => ok(groups), getPrefixListCidrs: async () => ok([]) } } })
    return runProbe(securityGroupProbe, {
      env,
      target: { cluster: w.cluster, region: w.region },
      data: { 'cluster.describe': clusterInfo({ name: w.cluster, vpcId: w.vpcId, clusterSecurityGroupId: w.clusterSg }), 'network.source-cidr': pathOf(w, { endpoints: [reachOf(w)] }) },
      results: { 'network.tcp-connect': TIMED_OUT },
    })
  }

  it('a rule referencing the endpoint\'s security group admits its traffic', async () => {
    const outcome = await runSg([sg({ protocol: 'tcp', fromPort: 443, toPort: 443, cidrs: [], ipv6Cidrs: [], prefixListIds: [], groups: [{ groupId: w.vpnSg }] })])
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain(`${w.assocCidrs[0]} admitted by ${w.clusterSg} (${w.vpnSg} (the Client VPN endpoint's group))`)
  })

  it('no rule: within the VPC a group reference, from a peered VPC the associated subnets', async () => {
    const outcome = await runSg([sg({ protocol: 'tcp', fromPort: 22, toPort: 22, cidrs: ['10.255.0.0/16'], ipv6Cidrs: [], prefixListIds: [], groups: [] })])
    expect(outcome).toMatchObject({ status: 'fail', code: 'SG_NO_RULE' })
    const commands = (outcome.fixes ?? []).flatMap((f) => f.commands)
    expect(commands).toEqual(
      w.shape === 'hub'
        ? w.assocCidrs.map((c) => `aws ec2 authorize-security-group-ingress --group-id ${w.clusterSg} --protocol tcp --port 443 --cidr ${c} --region ${w.region}`)
        : [`aws ec2 authorize-security-group-ingress --group-id ${w.clusterSg} --protocol tcp --port 443 --source-group ${w.vpnSg} --region ${w.region}`],
    )
    expect(outcome.fixes?.[0]?.why).toContain(w.endpoint)
  })

  it('the endpoint subnets\' local route carries replies to an association inside the cluster VPC, not one outside it', () => {
    const table = tablesOf(w)[0] as RouteTableInfo
    const inside = judgeRoute(table, `${w.cidr.split('.').slice(0, 2).join('.')}.200.0/24`, undefined)
    expect(inside).toMatchObject({ ok: true, route: { targetType: 'local' } })
    expect(judgeRoute(table, '10.99.0.0/24', undefined)).toMatchObject({ ok: false, problem: 'missing' })
  })
})

describe('--client-vpn-endpoint and --client-vpn-group', () => {
  const deps = { vars: {}, fs: fakeEnv().fs }
  it.each(WORLDS)('reach the target as given ($endpoint, $group)', async (w) => {
    const target = await resolveTarget({ cluster: w.cluster, region: w.region, clientVpnEndpoint: w.endpoint, clientVpnGroup: w.group }, deps)
    expect(target).toMatchObject({ clientVpnEndpoint: w.endpoint, clientVpnGroup: w.group })
  })
  it('an endpoint id that is not one is a usage error', async () => {
    await expect(resolveTarget({ cluster: A.cluster, region: A.region, clientVpnEndpoint: 'vpn-0a1b2c3d' }, deps)).rejects.toMatchObject({ code: 'INVALID_CLIENT_VPN_ENDPOINT', exitCode: 2 })
  })
})
