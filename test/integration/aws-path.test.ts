/**
 * The AWS side of the path, end to end: the real CLI, its SDK and EC2 calls against a world built
 * in moto (and the cluster served by the loopback EKS), the endpoint a loopback port that drops
 * SYNs. Each case breaks one link and expects its category, root cause and the exact fix with the
 * ids moto assigned. Two worlds with different names, CIDRs and regions.
 */
import { AcceptVpcPeeringConnectionCommand, CreateRouteCommand, CreateVpcPeeringConnectionCommand, DeleteRouteCommand, DeleteVpcPeeringConnectionCommand } from '@aws-sdk/client-ec2'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildWorld, NACL_DENY_RULE, type World, type WorldParams } from '../helpers/aws-world.js'
import { startFakeEks, type FakeCluster, type FakeEks } from '../helpers/fake-eks.js'
import { startSynDropper, type SynDropper } from '../helpers/fault-servers.js'
import { MOTO_SECRET_ACCESS_KEY, motoEnv, startMoto, type Moto } from '../helpers/moto.js'
import { createCa, createTempDir, removeTempDir } from '../helpers/pki.js'
import { cleanEnv, runCli, type CliRun } from '../helpers/run-cli.js'

const WORLDS: WorldParams[] = [
  {
    region: 'eu-west-1',
    cluster: 'ledger-prod',
    eksVpcCidr: '10.40.0.0/16',
    eksSubnetCidrs: ['10.40.1.0/24', '10.40.2.0/24'],
    vpnVpcCidr: '10.77.0.0/16',
    vpnSubnetCidr: '10.77.0.0/24',
    endpointIps: ['10.40.1.21', '10.40.2.34'],
    vpnRouterIp: '10.77.0.5',
    roleName: 'AWSReservedSSO_Ops_aaaabbbbccccdddd',
    rolePath: '/aws-reserved/sso.amazonaws.com/eu-west-1/',
  },
  {
    region: 'sa-east-1',
    cluster: 'inventory_stage-2',
    eksVpcCidr: '192.168.0.0/16',
    eksSubnetCidrs: ['192.168.64.0/20', '192.168.80.0/20'],
    vpnVpcCidr: '100.72.0.0/16',
    vpnSubnetCidr: '100.72.4.0/24',
    endpointIps: ['192.168.70.9', '192.168.85.200'],
    vpnRouterIp: '100.72.4.44',
    roleName: 'platform-break-glass',
    rolePath: '/teams/platform/',
  },
]

let moto: Moto
let eks: FakeEks
let dropper: SynDropper
let dir: string
let caPem: string

beforeAll(async () => {
  dir = createTempDir()
  caPem = createCa(dir).certPem
  ;[moto, eks, dropper] = await Promise.all([startMoto(), startFakeEks(), startSynDropper()])
}, 60_000)

afterAll(async () => {
  await Promise.all([moto?.stop(), eks?.close(), dropper?.close()])
  removeTempDir(dir)
})

function root(run: CliRun): { category: string; rootCause: string; confirmed: boolean } {
  return run.json?.verdict
}

/** The fixes of the AWS path; the warning that no kubeconfig context targets the cluster (none here) has its own tests. */
function fixCommands(run: CliRun): string[] {
  return (run.json?.fixes ?? []).filter((f: { category: string }) => f.category !== 'kubeconfig').flatMap((f: { commands: string[] }) => f.commands)
}

for (const p of WORLDS) {
  describe(`AWS path, ${p.cluster} in ${p.region}`, () => {
    let world: World

    beforeEach(async () => {
      await moto.reset()
      world = await buildWorld(moto, p)
      eks.clusters.clear()
      eks.clusters.set(p.cluster, { name: p.cluster, endpoint: `https://127.0.0.1:${dropper.port}`, caPem, ...world.clusterVpcConfig })
    }, 30_000)

    const env = (extra: Record<string, string> = {}) => cleanEnv({ ...motoEnv(moto), AWS_ENDPOINT_URL_EKS: eks.url, ...extra })
    const check = (...args: string[]) =>
      runCli(['check', '--cluster', p.cluster, '--region', p.region, '--connect-timeout', '1', '--json', ...args], { env: env() })

    it('with every AWS link in order, blames the VPN router, not confirmed', async () => {
      const run = await check()
      expect(run.exitCode, run.stderr).toBe(21)
      expect(root(run)).toMatchObject({ category: 'routing', rootCause: 'network.vpn-forwarding', confirmed: false })
      expect(run.json.verdict.alternatives.map((a: { summary: string }) => a.summary).join(' ')).toMatch(/SNAT/)
      const source = run.json.checks.find((c: { id: string }) => c.id === 'network.source-cidr')
      expect(source.evidence.sources[0]).toMatchObject({ cidr: p.vpnVpcCidr, via: 'peering', connection: world.peeringId })
      // The router is the only instance of the VPN VPC with source/dest check off: its fix names it.
      expect(fixCommands(run)).toContain(`sudo tailscale set --snat-subnet-routes=true   # on ${world.routerInstanceId}`)
      expect(run.stdout + run.stderr).not.toContain(MOTO_SECRET_ACCESS_KEY)
    })

    it('a missing security group rule: security-group, confirmed, with the exact rule', async () => {
      await world.removeSgRule()
      const run = await check()
      expect(run.exitCode).toBe(22)
      expect(root(run)).toMatchObject({ category: 'security-group', rootCause: 'network.security-group', confirmed: true })
      expect(run.json.verdict.summary).toMatch(new RegExp(`times out.*; ${world.clusterSgId}`))
      expect(fixCommands(run)[0]).toBe(
        `aws ec2 authorize-security-group-ingress --group-id ${world.clusterSgId} --protocol tcp --port 443 --cidr ${p.vpnVpcCidr} --region ${p.region}`,
      )
      expect(run.json.fixes[0].terraform).toContain(`security_group_id = "${world.clusterSgId}"`)
    })

    it('one endpoint subnet without the route back: routing, intermittent, for that IP', async () => {
      await world.removeEksRoute(1)
      const run = await check()
      expect(run.exitCode).toBe(21)
      expect(root(run)).toMatchObject({ category: 'routing', rootCause: 'network.route-tables', confirmed: true })
      expect(run.json.verdict.summary).toContain(p.endpointIps[1])
      expect(run.json.verdict.summary).not.toContain(p.endpointIps[0])
      expect(run.json.verdict.summary).toContain('intermittent')
      expect(fixCommands(run)).toEqual([
        `aws ec2 create-route --route-table-id ${world.eksRouteTableIds[1]} --destination-cidr-block ${p.vpnVpcCidr} --vpc-peering-connection-id ${world.peeringId} --region ${p.region}`,
      ])
    })

    it('the VPN side without a route to the cluster: routing at the VPN VPC', async () => {
      await world.removeVpnReturnRoute()
      const run = await check('--vpn-instance', world.routerInstanceId)
      expect(run.exitCode).toBe(21)
      expect(root(run)).toMatchObject({ category: 'routing', rootCause: 'network.vpn-route', confirmed: true })
      expect(fixCommands(run)[0]).toBe(
        `aws ec2 create-route --route-table-id ${world.vpnRouteTableId} --destination-cidr-block ${p.eksVpcCidr} --vpc-peering-connection-id ${world.peeringId} --region ${p.region}`,
      )
    })

    it('a peering that is no longer active: routing at the peering', async () => {
      await world.deactivatePeering()
      const run = await check()
      expect(run.exitCode).toBe(21)
      expect(root(run)).toMatchObject({ category: 'routing', rootCause: 'network.peering', confirmed: true })
      expect(run.json.verdict.summary).toContain(`${world.peeringId} is deleted`)
      // Recreated the way it was: the world requests the peering from the EKS VPC.
      expect(fixCommands(run)[0]).toBe(`aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id "$(aws ec2 create-vpc-peering-connection --vpc-id ${world.eksVpcId} --peer-vpc-id ${world.vpnVpcId} --region ${p.region} --query VpcPeeringConnection.VpcPeeringConnectionId --output text)" --region ${p.region}`)
    })

    it('a network ACL that denies 443: security-group at the NACL, with a rule number before the deny', async () => {
      await world.denyNacl()
      const run = await check()
      expect(run.exitCode).toBe(22)
      expect(root(run)).toMatchObject({ category: 'security-group', rootCause: 'network.nacl', confirmed: true })
      expect(run.json.verdict.summary).toContain(`denies by rule ${NACL_DENY_RULE}`)
      expect(fixCommands(run)[0]).toBe(
        `aws ec2 create-network-acl-entry --network-acl-id ${world.naclId} --ingress --rule-number ${NACL_DENY_RULE - 1} --protocol tcp --port-range From=443,To=443 --cidr-block ${p.vpnVpcCidr} --rule-action allow --region ${p.region}`,
      )
    })

    it('source/dest check on the router found by its IP: routing at the router, not confirmed (SNAT would make it harmless)', async () => {
      await world.enableSourceDestCheck()
      const run = await check('--vpn-ip', p.vpnRouterIp)
      expect(run.exitCode).toBe(21)
      expect(root(run)).toMatchObject({ category: 'routing', rootCause: 'network.vpn-router', confirmed: false })
      expect(fixCommands(run)[0]).toBe(`aws ec2 modify-instance-attribute --instance-id ${world.routerInstanceId} --no-source-dest-check --region ${p.region}`)
    })
  })
}

describe('AWS path, the cases one world settles', () => {
  const p = WORLDS[0] as WorldParams
  let world: World

  beforeEach(async () => {
    await moto.reset()
    world = await buildWorld(moto, p)
    eks.clusters.clear()
    eks.clusters.set(p.cluster, { name: p.cluster, endpoint: `https://127.0.0.1:${dropper.port}`, caPem, ...world.clusterVpcConfig })
  }, 30_000)

  const env = (extra: Record<string, string> = {}) => cleanEnv({ ...motoEnv(moto), AWS_ENDPOINT_URL_EKS: eks.url, ...extra })

  it('a route into a peering that was deleted is a blackhole, repaired with replace-route', async () => {
    const { ec2 } = world
    const old = await ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: world.eksVpcId, PeerVpcId: world.vpnVpcId }))
    const oldId = old.VpcPeeringConnection?.VpcPeeringConnectionId as string
    await ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: oldId }))
    await ec2.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: oldId }))
    await ec2.send(new DeleteRouteCommand({ RouteTableId: world.eksRouteTableIds[0], DestinationCidrBlock: p.vpnVpcCidr }))
    await ec2.send(new CreateRouteCommand({ RouteTableId: world.eksRouteTableIds[0], DestinationCidrBlock: p.vpnVpcCidr, VpcPeeringConnectionId: oldId }))
    const run = await runCli(['check', '--cluster', p.cluster, '--region', p.region, '--connect-timeout', '1', '--json'], { env: env() })
    expect(run.exitCode).toBe(21)
    expect(root(run)).toMatchObject({ category: 'routing', rootCause: 'network.route-tables', confirmed: true })
    expect(run.json.checks.find((c: { id: string }) => c.id === 'network.route-tables').code).toBe('ROUTE_BLACKHOLE')
    expect(fixCommands(run)).toEqual([
      `aws ec2 replace-route --route-table-id ${world.eksRouteTableIds[0]} --destination-cidr-block ${p.vpnVpcCidr} --vpc-peering-connection-id ${world.peeringId} --region ${p.region}`,
    ])
  })

  it('audit reads the checklist from AWS alone, without local probes', async () => {
    const run = await runCli(['audit', '--cluster', p.cluster, '--region', p.region, '--vpn-instance', world.routerInstanceId, '--json'], { env: env() })
    expect(run.exitCode, JSON.stringify(run.json?.verdict)).toBe(0)
    const ids = run.json.checks.map((c: { id: string }) => c.id)
    expect(ids).toEqual(expect.arrayContaining(['cluster.endpoint-access', 'cluster.vpc', 'network.peering', 'network.route-tables', 'network.vpn-route', 'network.security-group', 'network.nacl', 'network.vpn-router']))
    expect(ids).not.toContain('network.tcp-connect')
    expect(ids).not.toContain('dns.system')
    for (const id of ['network.security-group', 'network.route-tables', 'network.vpn-route', 'network.nacl', 'network.vpn-router', 'network.peering']) {
      expect(run.json.checks.find((c: { id: string }) => c.id === id).status, id).toBe('pass')
    }
  })

  it('audit names a missing rule as a plain, confirmed failure', async () => {
    await world.removeSgRule()
    const run = await runCli(['audit', '--cluster', p.cluster, '--region', p.region, '--json'], { env: env() })
    expect(run.exitCode).toBe(22)
    expect(root(run)).toMatchObject({ category: 'security-group', rootCause: 'network.security-group', confirmed: true })
  })

  it('audit --require-private fails a public endpoint', async () => {
    eks.clusters.set(p.cluster, { ...(eks.clusters.get(p.cluster) as FakeCluster), endpointPublicAccess: true })
    const run = await runCli(['audit', '--cluster', p.cluster, '--region', p.region, '--require-private', '--json'], { env: env() })
    expect(run.exitCode).toBe(11)
    expect(root(run)).toMatchObject({ category: 'cluster', rootCause: 'cluster.endpoint-access' })
  })

  it('an unknown profile is a credentials failure with the closest names', async () => {
    const config = join(dir, 'aws-config')
    writeFileSync(config, '[default]\nregion = eu-west-1\n[profile platform-admin]\nregion = eu-west-1\n')
    const run = await runCli(['check', '--cluster', p.cluster, '--region', p.region, '--profile', 'platfrom-admin', '--json'], {
      env: env({ AWS_CONFIG_FILE: config }),
    })
    expect(run.exitCode).toBe(10)
    expect(root(run)).toMatchObject({ category: 'credentials', rootCause: 'credentials.identity' })
    expect(run.json.verdict.summary).toContain('did you mean platform-admin?')
  })

  it('a cluster name typo is a cluster failure with the closest names', async () => {
    const run = await runCli(['check', '--cluster', `${p.cluster}x`, '--region', p.region, '--json'], { env: env() })
    expect(run.exitCode).toBe(11)
    expect(run.json.verdict.summary).toContain(`did you mean ${p.cluster}?`)
  })

  it('the identity shows the account and the caller', async () => {
    const run = await runCli(['check', '--cluster', p.cluster, '--region', p.region, '--connect-timeout', '1', '--json'], { env: env() })
    const identity = run.json.checks.find((c: { id: string }) => c.id === 'credentials.identity')
    expect(identity.status).toBe('pass')
    expect(identity.evidence.account).toBe(world.accountId)
  })
})
