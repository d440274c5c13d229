/**
 * The Transit Gateway path, end to end: the real CLI, its EC2 calls against a TGW world built in
 * moto (test/helpers/tgw-world.ts; the cluster served by the loopback EKS, the endpoint a loopback
 * port that drops SYNs). Each case breaks one link and expects its category, root cause, exit code
 * and the exact fix with the ids moto assigned; then the fixes moto can run are run as printed
 * (bash, the real aws CLI, moto only) and the next audit passes that check. Two worlds with
 * different names, CIDRs, regions and TGW routing (one shared route table by propagation; a route
 * table per attachment, one side propagated, the other static).
 */
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startFakeEks, type FakeEks } from '../helpers/fake-eks.js'
import { startSynDropper, type SynDropper } from '../helpers/fault-servers.js'
import { MOTO_SECRET_ACCESS_KEY, motoEnv, startMoto, type Moto } from '../helpers/moto.js'
import { createCa, createTempDir, removeTempDir } from '../helpers/pki.js'
import { cleanEnv, runCli, type CliRun } from '../helpers/run-cli.js'
import { buildTgwWorld, type TgwWorld, type TgwWorldParams } from '../helpers/tgw-world.js'

const WORLDS: TgwWorldParams[] = [
  {
    region: 'eu-west-1',
    cluster: 'ledger-prod',
    eksVpcCidr: '10.40.0.0/16',
    eksSubnetCidrs: ['10.40.1.0/24', '10.40.2.0/24'],
    endpointIps: ['10.40.1.21', '10.40.2.34'],
    vpnVpcCidr: '10.77.0.0/16',
    vpnSubnetCidr: '10.77.0.0/24',
    vpnRouterIp: '10.77.0.5',
    routing: 'shared',
  },
  {
    region: 'ap-southeast-2',
    cluster: 'inventory_stage-2',
    eksVpcCidr: '192.168.0.0/16',
    eksSubnetCidrs: ['192.168.64.0/20', '192.168.80.0/20'],
    endpointIps: ['192.168.70.9', '192.168.85.200'],
    tgwSubnetCidrs: ['192.168.255.0/28', '192.168.255.16/28'],
    vpnVpcCidr: '100.72.0.0/16',
    vpnSubnetCidr: '100.72.4.0/24',
    vpnRouterIp: '100.72.4.44',
    routing: 'split',
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

type Check = { id: string; status: string; code?: string; detail: string; evidence: Record<string, any>; fixes?: { commands: string[]; terraform?: string }[] }

function checkOf(run: CliRun, id: string): Check {
  const found = run.json?.checks?.find((c: Check) => c.id === id)
  if (!found) throw new Error(`no ${id} in ${run.stdout.slice(0, 800)}${run.stderr.slice(0, 800)}`)
  return found
}

/** The fixes of the AWS path; the note that no kubeconfig context targets the cluster has its own tests. */
function fixCommands(run: CliRun): string[] {
  return (run.json?.fixes ?? []).filter((f: { category: string }) => f.category !== 'kubeconfig').flatMap((f: { commands: string[] }) => f.commands)
}

for (const p of WORLDS) {
  describe(`Transit Gateway path, ${p.cluster} in ${p.region} (${p.routing} TGW routing)`, () => {
    let w: TgwWorld

    beforeEach(async () => {
      await moto.reset()
      w = await buildTgwWorld(moto, p)
      eks.clusters.clear()
      eks.clusters.set(p.cluster, { name: p.cluster, endpoint: `https://127.0.0.1:${dropper.port}`, caPem, ...w.clusterVpcConfig })
    }, 30_000)

    const env = () => cleanEnv({ ...motoEnv(moto), AWS_ENDPOINT_URL_EKS: eks.url })
    const check = (...args: string[]) => runCli(['check', '--cluster', p.cluster, '--region', p.region, '--connect-timeout', '1', '--json', ...args], { env: env() })
    const audit = (...args: string[]) => runCli(['audit', '--cluster', p.cluster, '--region', p.region, '--json', ...args], { env: env() })

    it('with every link in order: the TGW path passes, the VPN router is what is left, not confirmed', async () => {
      const run = await check()
      expect(run.exitCode, run.stderr).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.vpn-forwarding', confirmed: false })
      const source = checkOf(run, 'network.source-cidr')
      expect(source.evidence.sources).toEqual([expect.objectContaining({ cidr: p.vpnVpcCidr, via: 'tgw', connection: w.tgwId, remoteVpc: w.vpnVpcId })])
      const tgw = checkOf(run, 'network.transit-gateway')
      expect(tgw.status, tgw.detail).toBe('pass')
      expect(tgw.detail).toContain(`${w.eksAttachmentId} (${w.eksVpcId}) available`)
      expect(tgw.detail).toContain(`${w.vpnAttachmentId} (${w.vpnVpcId}) available`)
      // moto lists propagations but never the routes they make: the probe says so.
      expect(tgw.detail).toContain(`${w.eksTgwRouteTableId} routes ${p.vpnVpcCidr} → ${w.vpnAttachmentId} (propagated from ${w.vpnAttachmentId}, not listed, active)`)
      expect(checkOf(run, 'network.vpn-route').status).toBe('pass')
      // The VPN VPC came from the TGW attachment: the router is found in it, and named in the fix.
      expect(fixCommands(run)).toContain(`sudo tailscale set --snat-subnet-routes=true   # on ${w.routerInstanceId}`)
      expect(run.stdout + run.stderr).not.toContain(MOTO_SECRET_ACCESS_KEY)
    })

    it('the audit runs the TGW check with the rest and passes', async () => {
      const run = await audit()
      expect(run.exitCode, JSON.stringify(run.json?.verdict)).toBe(0)
      const ids = run.json.checks.map((c: Check) => c.id)
      expect(ids).toEqual(expect.arrayContaining(['network.source-cidr', 'network.transit-gateway', 'network.route-tables', 'network.vpn-route', 'network.security-group']))
      expect(ids).not.toContain('network.tcp-connect')
      for (const id of ['network.transit-gateway', 'network.route-tables', 'network.vpn-route', 'network.security-group', 'network.nacl']) expect(checkOf(run, id).status, id).toBe('pass')
    })

    it('one endpoint subnet without the route to the TGW: routing, intermittent, for that IP', async () => {
      await w.removeEksRoute(1)
      const run = await check()
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.route-tables', confirmed: true })
      expect(run.json.verdict.summary).toContain(p.endpointIps[1])
      expect(run.json.verdict.summary).not.toContain(p.endpointIps[0])
      expect(run.json.verdict.summary).toContain('intermittent')
      expect(fixCommands(run)).toEqual([`aws ec2 create-route --route-table-id ${w.eksRouteTableIds[1]} --destination-cidr-block ${p.vpnVpcCidr} --transit-gateway-id ${w.tgwId} --region ${p.region}`])
    })

    it('no endpoint subnet routes to the TGW: the attached VPN VPC is the source, and both routes are missing', async () => {
      await w.removeEksRoute(0)
      await w.removeEksRoute(1)
      const run = await audit()
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.route-tables', confirmed: true })
      expect(checkOf(run, 'network.route-tables').code).toBe('ROUTE_MISSING')
      expect(checkOf(run, 'network.source-cidr').evidence.sources).toEqual([expect.objectContaining({ cidr: p.vpnVpcCidr, via: 'tgw', connection: w.tgwId, remoteVpc: w.vpnVpcId })])
      // In the order of the endpoint ENIs, which moto lists in no fixed order.
      expect(fixCommands(run).sort()).toEqual(
        w.eksRouteTableIds.map((rtb) => `aws ec2 create-route --route-table-id ${rtb} --destination-cidr-block ${p.vpnVpcCidr} --transit-gateway-id ${w.tgwId} --region ${p.region}`).sort(),
      )
    })

    it('the VPN VPC without a route to the cluster through the TGW: routing at the VPN side', async () => {
      await w.removeVpnRoute()
      const run = await check('--vpn-instance', w.routerInstanceId)
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.vpn-route', confirmed: true })
      expect(fixCommands(run)[0]).toBe(`aws ec2 create-route --route-table-id ${w.vpnRouteTableId} --destination-cidr-block ${p.eksVpcCidr} --transit-gateway-id ${w.tgwId} --region ${p.region}`)
    })

    it('the EKS attachment without a subnet in the zone of one endpoint ENI: routing at the TGW, intermittent, that IP and zone', async () => {
      await w.dropAttachmentZone(1)
      const run = await check()
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.transit-gateway', confirmed: true })
      expect(checkOf(run, 'network.transit-gateway').code).toBe('TGW_AZ_MISSING')
      const summary = run.json.verdict.summary as string
      expect(summary).toContain(`${w.eksAttachmentId} of the cluster VPC ${w.eksVpcId} has no subnet in ${w.availabilityZones[1]}, where the endpoint ENI ${p.endpointIps[1]} is`)
      expect(summary).toContain(`(${p.endpointIps[0]} is reached, so the failure is intermittent)`)
      expect(fixCommands(run)).toEqual([`aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id ${w.eksAttachmentId} --add-subnet-ids ${w.eksSubnetIds[1]} --region ${p.region}`])
      const terraform = run.json.fixes[0].terraform as string
      expect(terraform).toContain(`transit_gateway_id = "${w.tgwId}"`)
      expect(terraform).toContain(`subnet_ids         = ["${w.eksAttachmentSubnetIds[0]}", "${w.eksSubnetIds[1]}"]`)
    })

    it('the VPN attachment no longer propagating into the EKS side: no route back to the VPN', async () => {
      await w.disableVpnPropagation()
      const run = await audit()
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.transit-gateway', confirmed: true })
      expect(checkOf(run, 'network.transit-gateway').code).toBe('TGW_ROUTE_MISSING')
      expect(run.json.verdict.summary).toContain(`the TGW route table ${w.eksTgwRouteTableId} (associated with ${w.eksAttachmentId}, the cluster VPC ${w.eksVpcId}) has no route to ${p.vpnVpcCidr}`)
      // A table that learns by propagation gets it back; a table with nothing propagated, a static route.
      expect(fixCommands(run)).toEqual([
        p.routing === 'shared'
          ? `aws ec2 enable-transit-gateway-route-table-propagation --transit-gateway-route-table-id ${w.eksTgwRouteTableId} --transit-gateway-attachment-id ${w.vpnAttachmentId} --region ${p.region}`
          : `aws ec2 create-transit-gateway-route --transit-gateway-route-table-id ${w.eksTgwRouteTableId} --destination-cidr-block ${p.vpnVpcCidr} --transit-gateway-attachment-id ${w.vpnAttachmentId} --region ${p.region}`,
      ])
    })

    it('the VPN side TGW route table without a route to the cluster', async () => {
      await w.removeTgwRouteToEks()
      const run = await check()
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.transit-gateway', confirmed: true })
      expect(checkOf(run, 'network.transit-gateway').code).toBe('TGW_ROUTE_MISSING')
      expect(run.json.verdict.summary).toContain(`the TGW route table ${w.vpnTgwRouteTableId} (associated with ${w.vpnAttachmentId}, the VPN VPC ${w.vpnVpcId}) has no route to`)
      expect(fixCommands(run)).toEqual([
        p.routing === 'shared'
          ? `aws ec2 enable-transit-gateway-route-table-propagation --transit-gateway-route-table-id ${w.vpnTgwRouteTableId} --transit-gateway-attachment-id ${w.eksAttachmentId} --region ${p.region}`
          : `aws ec2 create-transit-gateway-route --transit-gateway-route-table-id ${w.vpnTgwRouteTableId} --destination-cidr-block ${p.eksVpcCidr} --transit-gateway-attachment-id ${w.eksAttachmentId} --region ${p.region}`,
      ])
      if (p.routing === 'split') expect(run.json.fixes[0].terraform).toContain(`transit_gateway_attachment_id  = "${w.eksAttachmentId}"`)
    })

    it('a static blackhole for the cluster in the VPN side TGW route table', async () => {
      await w.blackholeTgwRouteToEks()
      const run = await audit()
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.transit-gateway', confirmed: true })
      expect(checkOf(run, 'network.transit-gateway').code).toBe('TGW_ROUTE_BLACKHOLE')
      expect(run.json.verdict.summary).toContain(`into a blackhole (${p.eksVpcCidr} → blackhole (static))`)
      // Over a propagated route, removing the blackhole is enough; without one, it is replaced.
      expect(fixCommands(run)).toEqual([
        p.routing === 'shared'
          ? `aws ec2 delete-transit-gateway-route --transit-gateway-route-table-id ${w.vpnTgwRouteTableId} --destination-cidr-block ${p.eksVpcCidr} --region ${p.region}`
          : `aws ec2 replace-transit-gateway-route --transit-gateway-route-table-id ${w.vpnTgwRouteTableId} --destination-cidr-block ${p.eksVpcCidr} --transit-gateway-attachment-id ${w.eksAttachmentId} --region ${p.region}`,
      ])
    })

    it('the VPN attachment associated with no TGW route table: associate it with the one that routes to the cluster', async () => {
      await w.disassociateVpnAttachment()
      const run = await audit()
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.transit-gateway', confirmed: true })
      expect(checkOf(run, 'network.transit-gateway').code).toBe('TGW_NOT_ASSOCIATED')
      expect(fixCommands(run)).toEqual([`aws ec2 associate-transit-gateway-route-table --transit-gateway-route-table-id ${w.vpnTgwRouteTableId} --transit-gateway-attachment-id ${w.vpnAttachmentId} --region ${p.region}`])
    })

    it('the cluster VPC no longer attached: attach it with a subnet in each endpoint zone', async () => {
      await w.deleteEksAttachment()
      const run = await check()
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.transit-gateway', confirmed: true })
      expect(checkOf(run, 'network.transit-gateway').code).toBe('TGW_ATTACHMENT_MISSING')
      expect(run.json.verdict.summary).toContain(`the cluster VPC ${w.eksVpcId} is not attached to ${w.tgwId}`)
      expect(fixCommands(run)).toEqual([`aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${w.tgwId} --vpc-id ${w.eksVpcId} --subnet-ids ${w.eksSubnetIds[0]} ${w.eksSubnetIds[1]} --region ${p.region}`])
    })

    it('the VPN VPC no longer attached: suspected from the CIDR alone, confirmed with the router named', async () => {
      await w.deleteVpnAttachment()
      const bare = await audit()
      expect(bare.exitCode).toBe(21)
      expect(bare.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.transit-gateway', confirmed: false })
      expect(bare.json.verdict.summary).toContain(`no attachment of ${w.tgwId} holds ${p.vpnVpcCidr}`)
      const named = await audit('--vpn-instance', w.routerInstanceId)
      expect(named.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.transit-gateway', confirmed: true })
      expect(named.json.verdict.summary).toContain(`the VPN VPC ${w.vpnVpcId} is not attached to ${w.tgwId}`)
      expect(fixCommands(named)).toEqual([`aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${w.tgwId} --vpc-id ${w.vpnVpcId} --subnet-ids ${w.vpnSubnetId} --region ${p.region}`])
    })

    it('the transit gateway gone: it is the cause, the routes into it are blackholes that follow', async () => {
      await w.deleteTransitGateway()
      const run = await check('--vpn-instance', w.routerInstanceId)
      expect(run.exitCode).toBe(21)
      expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.transit-gateway', confirmed: true })
      expect(checkOf(run, 'network.transit-gateway').code).toBe('TGW_NOT_AVAILABLE')
      expect(run.json.verdict.further.map((f: { rootCause: string }) => f.rootCause)).toEqual(['network.vpn-route', 'network.route-tables'])
      expect(checkOf(run, 'network.route-tables').code).toBe('ROUTE_BLACKHOLE')
      const name = `${p.cluster}-vpn`
      const lookup = `"$(aws ec2 describe-transit-gateways --filters Name=tag:Name,Values=${name} Name=state,Values=available --query 'TransitGateways[0].TransitGatewayId' --output text --region ${p.region})"`
      const commands = fixCommands(run)
      expect(commands.slice(0, 3)).toEqual([
        `aws ec2 create-transit-gateway --description "${name}" --tag-specifications 'ResourceType=transit-gateway,Tags=[{Key=Name,Value=${name}}]' --region ${p.region}`,
        `aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${lookup} --vpc-id ${w.vpnVpcId} --subnet-ids ${w.vpnSubnetId} --region ${p.region}`,
        `aws ec2 create-transit-gateway-vpc-attachment --transit-gateway-id ${lookup} --vpc-id ${w.eksVpcId} --subnet-ids ${w.eksSubnetIds[0]} ${w.eksSubnetIds[1]} --region ${p.region}`,
      ])
      expect(commands.slice(3).sort()).toEqual(w.eksRouteTableIds.map((rtb) => `aws ec2 replace-route --route-table-id ${rtb} --destination-cidr-block ${p.vpnVpcCidr} --transit-gateway-id ${lookup} --region ${p.region}`).sort())
    })

    it('the text report names the broken link and prints the fix', async () => {
      await w.dropAttachmentZone(1)
      const run = await runCli(['check', '--cluster', p.cluster, '--region', p.region, '--connect-timeout', '1', '--format', 'text'], { env: env() })
      expect(run.exitCode).toBe(21)
      expect(run.stdout).toContain(`no subnet in ${w.availabilityZones[1]}, where the endpoint ENI ${p.endpointIps[1]} is`)
      expect(run.stdout).toContain(`aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id ${w.eksAttachmentId} --add-subnet-ids ${w.eksSubnetIds[1]} --region ${p.region}`)
    })
  })
}

/**
 * Each fault whose fix moto can carry out, the check that names it, and how it is made. Not here:
 * a replaced static route (moto lacks ReplaceTransitGatewayRoute), a new attachment (moto does not
 * propagate it by default as AWS does, so the next link fails), a new transit gateway.
 */
const FAULTS: { name: string; check: string; make: (w: TgwWorld) => Promise<unknown>; only?: TgwWorldParams['routing'] }[] = [
  { name: 'an endpoint subnet has no route to the TGW', check: 'network.route-tables', make: (w) => w.removeEksRoute(0) },
  { name: 'the VPN VPC has no route to the TGW', check: 'network.vpn-route', make: (w) => w.removeVpnRoute() },
  { name: 'the EKS attachment lacks a zone', check: 'network.transit-gateway', make: (w) => w.dropAttachmentZone(1) },
  { name: 'the VPN attachment does not propagate', check: 'network.transit-gateway', make: (w) => w.disableVpnPropagation() },
  { name: 'the VPN side TGW table has no route to the cluster', check: 'network.transit-gateway', make: (w) => w.removeTgwRouteToEks() },
  { name: 'the VPN attachment is associated with no table', check: 'network.transit-gateway', make: (w) => w.disassociateVpnAttachment() },
  { name: 'a blackhole hides a propagated route', check: 'network.transit-gateway', make: (w) => w.blackholeTgwRouteToEks(), only: 'shared' },
]

for (const p of WORLDS) {
  describe(`TGW fixes as printed, ${p.cluster} in ${p.region}`, () => {
    let w: TgwWorld

    beforeEach(async () => {
      await moto.reset()
      w = await buildTgwWorld(moto, p)
      eks.clusters.clear()
      eks.clusters.set(p.cluster, { name: p.cluster, endpoint: 'https://127.0.0.1:9', caPem, ...w.clusterVpcConfig })
    }, 30_000)

    // Only moto and the loopback EKS: every service the aws CLI could call is pointed at them.
    const env = () => cleanEnv({ ...motoEnv(moto), AWS_ENDPOINT_URL: moto.url, AWS_ENDPOINT_URL_EKS: eks.url, AWS_DEFAULT_REGION: p.region, AWS_PAGER: '' })
    const audit = () => runCli(['audit', '--cluster', p.cluster, '--region', p.region, '--vpn-instance', w.routerInstanceId, '--json'], { env: env() })

    it.each(FAULTS.filter((f) => !f.only || f.only === p.routing))('$name: $check names it, its aws commands succeed as printed, and the next audit passes it', async ({ check: id, make }) => {
      await make(w)
      const broken = await audit()
      const found = checkOf(broken, id)
      expect(found.status, JSON.stringify(found)).toBe('fail')
      const commands = (found.fixes ?? []).flatMap((f) => f.commands).filter((c) => c.startsWith('aws '))
      expect(commands.length).toBeGreaterThan(0)
      for (const command of commands) {
        const ran = spawnSync('bash', ['-c', command], { env: env(), encoding: 'utf8', timeout: 60_000 })
        expect(ran.status, `${command}\n${ran.stderr}`).toBe(0)
      }
      const after = await audit()
      expect(after.exitCode, JSON.stringify(after.json?.verdict)).toBe(0)
      expect(checkOf(after, id).status).toBe('pass')
    }, 120_000)
  })
}
