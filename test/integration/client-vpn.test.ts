/**
 * The AWS Client VPN path, end to end (issue 13 §2): the real CLI against a world whose VPC side
 * is moto and whose Client VPN side is the recorded-shape fake in front of it
 * (AWS_ENDPOINT_URL_EC2), the cluster served by the loopback EKS, the endpoint a loopback port
 * that drops SYNs. Each case breaks one link and expects its category, root cause, exit code and
 * the exact fix with the world's ids. Two hub worlds (the endpoint in a VPN VPC peered with the
 * EKS VPC) with different regions, CIDRs, endpoint and group ids, and one world whose endpoint is
 * associated with the EKS VPC itself.
 */
import { DescribeClientVpnEndpointsCommand, DescribeClientVpnRoutesCommand, EC2Client } from '@aws-sdk/client-ec2'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startClientVpnFake, type ClientVpnFake } from '../helpers/client-vpn-fake.js'
import { buildClientVpnWorld, type ClientVpnWorld, type ClientVpnWorldParams } from '../helpers/client-vpn-world.js'
import { startFakeEks, type FakeEks } from '../helpers/fake-eks.js'
import { startSynDropper, type SynDropper } from '../helpers/fault-servers.js'
import { MOTO_ACCESS_KEY_ID, MOTO_SECRET_ACCESS_KEY, motoEnv, startMoto, type Moto } from '../helpers/moto.js'
import { createCa, createTempDir, removeTempDir } from '../helpers/pki.js'
import { cleanEnv, runCli, type CliRun } from '../helpers/run-cli.js'

const HUBS: ClientVpnWorldParams[] = [
  {
    shape: 'hub',
    region: 'eu-west-1',
    cluster: 'ledger-prod',
    eksVpcCidr: '10.40.0.0/16',
    eksSubnetCidrs: ['10.40.1.0/24', '10.40.2.0/24'],
    endpointIps: ['10.40.1.21', '10.40.2.34'],
    hubVpcCidr: '10.77.0.0/16',
    associationCidrs: ['10.77.10.0/24', '10.77.11.0/24'],
    clientCidr: '172.20.0.0/22',
    endpointId: 'cvpn-endpoint-0a1b2c3d4e5f60718',
    associationIds: ['cvpn-assoc-0f1e2d3c4b5a69788', 'cvpn-assoc-01234567890abcdef'],
    groupId: 'eks-operators',
    otherGroupId: 'data-science',
  },
  {
    shape: 'hub',
    region: 'sa-east-1',
    cluster: 'inventory_stage-2',
    eksVpcCidr: '192.168.0.0/16',
    eksSubnetCidrs: ['192.168.64.0/20', '192.168.80.0/20'],
    endpointIps: ['192.168.70.9', '192.168.85.200'],
    hubVpcCidr: '100.72.0.0/16',
    associationCidrs: ['100.72.8.0/24', '100.72.9.0/24'],
    clientCidr: '10.250.0.0/20',
    endpointId: 'cvpn-endpoint-0ffeeddccbbaa9988',
    associationIds: ['cvpn-assoc-0aa11bb22cc33dd44', 'cvpn-assoc-0ee55ff6677889900'],
    groupId: 'platform-admins',
    otherGroupId: 'billing-readonly',
  },
]

const SAME_VPC: ClientVpnWorldParams = {
  shape: 'same-vpc',
  region: 'ap-northeast-2',
  cluster: 'eks-secure-infra-dev',
  eksVpcCidr: '10.0.0.0/16',
  eksSubnetCidrs: ['10.0.10.0/24', '10.0.11.0/24'],
  endpointIps: ['10.0.10.239', '10.0.11.42'],
  associationCidrs: ['10.0.200.0/24', '10.0.201.0/24'],
  clientCidr: '10.100.0.0/22',
  endpointId: 'cvpn-endpoint-03c4d5e6f708192a3',
  associationIds: ['cvpn-assoc-0123abcd4567ef890', 'cvpn-assoc-0987fedc6543ba210'],
  groupId: 'infra-dev',
  otherGroupId: 'infra-prod',
}

let moto: Moto
let fake: ClientVpnFake
let eks: FakeEks
let dropper: SynDropper
let dir: string
let caPem: string

beforeAll(async () => {
  dir = createTempDir()
  caPem = createCa(dir).certPem
  ;[moto, eks, dropper] = await Promise.all([startMoto(), startFakeEks(), startSynDropper()])
  fake = await startClientVpnFake(moto)
}, 60_000)

afterAll(async () => {
  await Promise.all([fake?.close(), moto?.stop(), eks?.close(), dropper?.close()])
  removeTempDir(dir)
})

interface Check {
  id: string
  status: string
  code?: string
  detail: string
  evidence: Record<string, unknown>
}

const checkOf = (run: CliRun, id: string): Check => run.json?.checks.find((c: Check) => c.id === id)
const commandsOf = (run: CliRun): string[] =>
  (run.json?.fixes ?? []).filter((f: { category: string }) => f.category !== 'kubeconfig').flatMap((f: { commands: string[] }) => f.commands)

async function setUp(p: ClientVpnWorldParams): Promise<ClientVpnWorld> {
  await moto.reset()
  fake.endpoints.clear()
  fake.denied.clear()
  const world = await buildClientVpnWorld(moto, fake, p)
  eks.clusters.clear()
  eks.clusters.set(p.cluster, { name: p.cluster, endpoint: `https://127.0.0.1:${dropper.port}`, caPem, ...world.clusterVpcConfig })
  return world
}

function cli(p: ClientVpnWorldParams) {
  // EC2 goes to the Client VPN fake, which hands everything but Client VPN to moto.
  const env = () => cleanEnv({ ...motoEnv(moto), AWS_ENDPOINT_URL_EC2: fake.url, AWS_ENDPOINT_URL_EKS: eks.url })
  return {
    check: (...args: string[]) => runCli(['check', '--cluster', p.cluster, '--region', p.region, '--connect-timeout', '1', '--json', ...args], { env: env() }),
    audit: (...args: string[]) => runCli(['audit', '--cluster', p.cluster, '--region', p.region, '--json', ...args], { env: env() }),
  }
}

for (const p of HUBS) {
  describe(`Client VPN through a peered VPN VPC, ${p.cluster} in ${p.region}`, () => {
    let world: ClientVpnWorld
    const { check, audit } = cli(p)
    const R = `--region ${p.region}`
    const E = p.endpointId

    beforeEach(async () => {
      world = await setUp(p)
    }, 30_000)

    it('with every link in order, the Client VPN link passes and its subnets are the source', async () => {
      const run = await check('--client-vpn-group', p.groupId)
      const cvpn = checkOf(run, 'network.client-vpn')
      expect(cvpn.status, cvpn.detail).toBe('pass')
      expect(cvpn.detail).toContain(`${E} available (split tunnel on: it pushes ${p.hubVpcCidr}, ${p.eksVpcCidr})`)
      const sources = checkOf(run, 'network.source-cidr').evidence.sources as { cidr: string; via: string; connection: string | null }[]
      expect(sources.map((s) => [s.cidr, s.via, s.connection])).toEqual([
        [p.associationCidrs[0], 'client-vpn', world.peeringId],
        [p.associationCidrs[1], 'client-vpn', world.peeringId],
      ])
      for (const id of ['network.security-group', 'network.route-tables', 'network.vpn-route', 'network.peering', 'network.nacl']) expect(checkOf(run, id).status, `${id}: ${checkOf(run, id).detail}`).toBe('pass')
      expect(checkOf(run, 'network.vpn-route').evidence.basis).toBe(`the route table of the Client VPN association subnet ${world.associationSubnetIds[0]}`)
      expect(checkOf(run, 'network.vpn-forwarding').detail).toMatch(/Client VPN, whose endpoint forwards and translates itself/)
      // Nothing on the AWS side explains the dropped SYN: the verdict stays at TCP.
      expect(run.json.verdict.rootCause).toBe('network.tcp-connect')
      expect(run.stdout + run.stderr).not.toContain(MOTO_SECRET_ACCESS_KEY)
    })

    it('the audit reads the Client VPN link as part of the checklist and finds it in order', async () => {
      const run = await audit('--client-vpn-group', p.groupId)
      expect(run.exitCode, JSON.stringify(run.json?.verdict)).toBe(0)
      expect(checkOf(run, 'network.client-vpn').status).toBe('pass')
      expect(run.json.checks.map((c: Check) => c.id)).not.toContain('network.tcp-connect')
    })

    it('no association in the EKS VPC or a VPC connected to it: routing, with the subnets of the VPN VPC to associate', async () => {
      world.removeAssociations()
      const run = await check()
      expect(run.exitCode, run.stderr).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.client-vpn', confirmed: true })
      expect(checkOf(run, 'network.client-vpn').code).toBe('CLIENT_VPN_NOT_ASSOCIATED')
      expect(run.json.verdict.summary).toContain(`the Client VPN endpoint ${E} has no subnet associated in ${world.eksVpcId} or in ${world.associationVpcId}, connected to it by ${world.peeringId}`)
      expect(commandsOf(run)).toEqual([
        `aws ec2 associate-client-vpn-target-network --client-vpn-endpoint-id ${E} --subnet-id ${world.associationSubnetIds[0]} ${R}`,
        `aws ec2 associate-client-vpn-target-network --client-vpn-endpoint-id ${E} --subnet-id ${world.associationSubnetIds[1]} ${R}`,
        `aws ec2 create-client-vpn-route --client-vpn-endpoint-id ${E} --destination-cidr-block ${p.eksVpcCidr} --target-vpc-subnet-id ${world.associationSubnetIds[0]} --description "EKS API" ${R}`,
        `aws ec2 create-client-vpn-route --client-vpn-endpoint-id ${E} --destination-cidr-block ${p.eksVpcCidr} --target-vpc-subnet-id ${world.associationSubnetIds[1]} --description "EKS API" ${R}`,
      ])
      expect(run.json.fixes[0].terraform).toContain(`resource "aws_ec2_client_vpn_network_association" "${world.associationSubnetIds[0].replace(/-/g, '_')}"`)
    })

    it('associations that failed: routing, each dropped and associated again', async () => {
      world.failAssociations()
      const run = await check()
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.client-vpn', confirmed: true })
      expect(run.json.verdict.summary).toContain(`${p.associationIds[0]} (${world.associationSubnetIds[0]}) is association-failed (There are not enough free IP addresses in the subnet)`)
      expect(commandsOf(run)).toEqual([
        `aws ec2 disassociate-client-vpn-target-network --client-vpn-endpoint-id ${E} --association-id ${p.associationIds[0]} ${R}`,
        `aws ec2 associate-client-vpn-target-network --client-vpn-endpoint-id ${E} --subnet-id ${world.associationSubnetIds[0]} ${R}`,
        `aws ec2 disassociate-client-vpn-target-network --client-vpn-endpoint-id ${E} --association-id ${p.associationIds[1]} ${R}`,
        `aws ec2 associate-client-vpn-target-network --client-vpn-endpoint-id ${E} --subnet-id ${world.associationSubnetIds[1]} ${R}`,
      ])
    })

    it('no authorization rule for the EKS VPC: security-group, a rule for the group the endpoint admits elsewhere', async () => {
      world.removeEksRule()
      const run = await check()
      expect(run.exitCode).toBe(22)
      expect(run.json.verdict).toMatchObject({ category: 'security-group', rootCause: 'network.client-vpn', confirmed: true })
      expect(checkOf(run, 'network.client-vpn').code).toBe('CLIENT_VPN_NOT_AUTHORIZED')
      expect(run.json.verdict.summary).toContain(`no active authorization rule of ${E} admits anyone to ${p.endpointIps.join(', ')} (its rules cover ${p.hubVpcCidr})`)
      expect(commandsOf(run)).toEqual([
        `aws ec2 authorize-client-vpn-ingress --client-vpn-endpoint-id ${E} --target-network-cidr ${p.eksVpcCidr} --access-group-id ${p.groupId} --description "EKS API" ${R}`,
      ])
      expect(run.json.fixes[0].terraform).toContain(`access_group_id        = "${p.groupId}"`)
    })

    it('a rule for another group, with --client-vpn-group: security-group, confirmed, a rule for the user\'s group', async () => {
      world.ruleForOtherGroup()
      const run = await check('--client-vpn-group', p.groupId)
      expect(run.exitCode).toBe(22)
      expect(run.json.verdict).toMatchObject({ category: 'security-group', rootCause: 'network.client-vpn', confirmed: true })
      expect(run.json.verdict.summary).toContain(`admits ${p.otherGroupId}, not your group ${p.groupId}`)
      expect(commandsOf(run)).toEqual([
        `aws ec2 authorize-client-vpn-ingress --client-vpn-endpoint-id ${E} --target-network-cidr ${p.eksVpcCidr} --access-group-id ${p.groupId} --description "EKS API" ${R}`,
      ])
    })

    it('a rule for another group, the user\'s group not given: the most likely cause, not confirmed', async () => {
      world.ruleForOtherGroup()
      const run = await check()
      expect(run.exitCode).toBe(22)
      expect(run.json.verdict).toMatchObject({ category: 'security-group', rootCause: 'network.client-vpn', confirmed: false })
      expect(run.json.verdict.summary).toContain(`only members of ${p.otherGroupId} may reach`)
      expect(commandsOf(run)).toEqual([
        `aws ec2 describe-client-vpn-authorization-rules --client-vpn-endpoint-id ${E} ${R} --query "AuthorizationRules[].[DestinationCidr,GroupId,AccessAll,Status.Code]" --output text`,
      ])
    })

    it('no Client VPN route to the EKS VPC with split tunnel on: routing, the route through both subnets', async () => {
      world.removeEksRoutes()
      const run = await check('--client-vpn-group', p.groupId)
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.client-vpn', confirmed: true })
      expect(checkOf(run, 'network.client-vpn').code).toBe('CLIENT_VPN_ROUTE_MISSING')
      expect(run.json.verdict.summary).toContain(
        `no route of ${E} covers ${p.endpointIps.join(', ')}; with split tunnel on it pushes only its own routes (${p.hubVpcCidr}) to the client, so the client's traffic for ${p.eksVpcCidr} never enters the tunnel: ${E} should push ${p.eksVpcCidr} through ${world.associationSubnetIds.join(', ')}`,
      )
      expect(commandsOf(run)).toEqual(
        world.associationSubnetIds.map((s) => `aws ec2 create-client-vpn-route --client-vpn-endpoint-id ${E} --destination-cidr-block ${p.eksVpcCidr} --target-vpc-subnet-id ${s} --description "EKS API" ${R}`),
      )
      expect(run.json.fixes[0].terraform).toContain(`target_vpc_subnet_id   = "${world.associationSubnetIds[0]}"`)
    })

    it('the cluster security group admits neither the subnets nor the VPN VPC: security-group, a rule per associated subnet', async () => {
      await world.removeSgRule()
      const run = await check('--client-vpn-group', p.groupId)
      expect(run.exitCode).toBe(22)
      expect(run.json.verdict).toMatchObject({ category: 'security-group', rootCause: 'network.security-group', confirmed: true })
      expect(run.json.verdict.summary).toContain(`${world.clusterSgId} has no ingress for TCP 443 from ${p.associationCidrs.join(' or ')}`)
      expect(commandsOf(run)).toEqual(
        p.associationCidrs.map((c) => `aws ec2 authorize-security-group-ingress --group-id ${world.clusterSgId} --protocol tcp --port 443 --cidr ${c} ${R}`),
      )
      expect(run.json.fixes[0].terraform).toContain(`resource "aws_vpc_security_group_ingress_rule"`)
      expect(run.json.fixes[0].terraform).toContain(`cidr_ipv4         = "${p.associationCidrs[0]}"`)
    })

    it('an endpoint being deleted: routing, and how to find the one that replaces it', async () => {
      world.deleteEndpoint()
      const run = await check('--client-vpn-group', p.groupId)
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.client-vpn', confirmed: true })
      expect(checkOf(run, 'network.client-vpn').code).toBe('CLIENT_VPN_UNAVAILABLE')
      expect(run.json.verdict.summary).toContain(`the Client VPN endpoint ${E} is deleting: it accepts no connection`)
      expect(commandsOf(run)).toEqual([
        `aws ec2 describe-client-vpn-endpoints ${R} --query "ClientVpnEndpoints[?Status.Code=='available'].[ClientVpnEndpointId,VpcId,Description]" --output text`,
      ])
    })

    it('without ec2:DescribeClientVpnEndpoints the Client VPN link skips, naming the permission', async () => {
      fake.denied.add('DescribeClientVpnEndpoints')
      const run = await audit()
      const cvpn = checkOf(run, 'network.client-vpn')
      expect(cvpn).toMatchObject({ status: 'skip', code: 'AWS_ACCESS_DENIED', detail: 'not allowed to call ec2:DescribeClientVpnEndpoints: allow it to settle this link' })
      // The peering is still a source: the rest of the checklist reads on.
      expect(checkOf(run, 'network.security-group').status).toBe('pass')
    })
  })
}

describe(`Client VPN associated with the EKS VPC itself, ${SAME_VPC.cluster} in ${SAME_VPC.region}`, () => {
  const p = SAME_VPC
  const { check, audit } = cli(p)
  const R = `--region ${p.region}`
  let world: ClientVpnWorld

  beforeEach(async () => {
    world = await setUp(p)
  }, 30_000)

  it('the cluster security group admits the endpoint\'s group; the local route carries the replies', async () => {
    const run = await check('--client-vpn-group', p.groupId)
    expect(checkOf(run, 'network.client-vpn').status).toBe('pass')
    expect(checkOf(run, 'network.security-group').detail).toContain(`admitted by ${world.clusterSgId} (${world.clientVpnSgId} (the Client VPN endpoint's group))`)
    expect(checkOf(run, 'network.route-tables').status).toBe('pass')
    expect(checkOf(run, 'network.vpn-route').detail).toBe('the Client VPN association is in the cluster VPC: there is no VPN side to route')
    expect(checkOf(run, 'network.vpn-router').detail).toBe('the path enters AWS through Client VPN: no router instance of yours forwards it')
    const audited = await audit('--client-vpn-group', p.groupId)
    expect(audited.exitCode, JSON.stringify(audited.json?.verdict)).toBe(0)
  })

  it('the cluster security group without the endpoint\'s group: security-group, a group-referencing rule', async () => {
    await world.removeSgRule()
    const run = await check('--client-vpn-group', p.groupId)
    expect(run.exitCode).toBe(22)
    expect(run.json.verdict).toMatchObject({ category: 'security-group', rootCause: 'network.security-group', confirmed: true })
    expect(commandsOf(run)).toEqual([`aws ec2 authorize-security-group-ingress --group-id ${world.clusterSgId} --protocol tcp --port 443 --source-group ${world.clientVpnSgId} ${R}`])
    expect(run.json.fixes[0].terraform).toContain(`referenced_security_group_id = "${world.clientVpnSgId}"`)
  })

  it('no association: the endpoint is the cause, not "nothing connects the VPC", with the cluster subnets to associate', async () => {
    world.removeAssociations()
    const run = await audit('--client-vpn-group', p.groupId)
    expect(run.exitCode).toBe(21)
    expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.client-vpn', confirmed: true })
    expect(checkOf(run, 'network.source-cidr')).toMatchObject({ status: 'fail', code: 'NO_SOURCE_NETWORK' })
    expect(run.json.verdict.further.map((f: { rootCause: string }) => f.rootCause)).not.toContain('network.source-cidr')
    expect(commandsOf(run)).toEqual(
      world.eksSubnetIds.map((s) => `aws ec2 associate-client-vpn-target-network --client-vpn-endpoint-id ${p.endpointId} --subnet-id ${s} ${R}`),
    )
  })

  it('the fake answers in the shapes the SDK\'s own EC2 model reads, and pages with nextToken', async () => {
    const sdk = new EC2Client({ region: p.region, endpoint: fake.url, credentials: { accessKeyId: MOTO_ACCESS_KEY_ID, secretAccessKey: MOTO_SECRET_ACCESS_KEY } })
    const endpoints = await sdk.send(new DescribeClientVpnEndpointsCommand({}))
    expect(endpoints.ClientVpnEndpoints?.[0]).toMatchObject({
      ClientVpnEndpointId: p.endpointId,
      Status: { Code: 'available' },
      SplitTunnel: true,
      VpcId: world.eksVpcId,
      SecurityGroupIds: [world.clientVpnSgId],
      ClientCidrBlock: p.clientCidr,
      AuthenticationOptions: [{ Type: 'federated-authentication', FederatedAuthentication: { SamlProviderArn: expect.stringContaining(':saml-provider/') } }],
      ConnectionLogOptions: { Enabled: false },
      Tags: [{ Key: 'Name', Value: `${p.cluster}-vpn` }],
    })
    fake.pageSize = 1
    try {
      const first = await sdk.send(new DescribeClientVpnRoutesCommand({ ClientVpnEndpointId: p.endpointId }))
      expect(first.Routes).toHaveLength(1)
      expect(first.NextToken).toBeTruthy()
      // The CLI follows every page: both routes of both subnets are seen.
      const run = await check('--client-vpn-group', p.groupId)
      expect(checkOf(run, 'network.client-vpn').evidence.associations).toHaveLength(2)
      expect(checkOf(run, 'network.client-vpn').status).toBe('pass')
    } finally {
      fake.pageSize = 1000
    }
    sdk.destroy()
  })
})
