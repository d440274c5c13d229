/**
 * Fixes work as printed: each fault of the AWS path is made in moto, `eksdoctor audit` names it,
 * every `aws ec2 ...` command of the failing check's fixes runs as printed (bash, the real aws
 * CLI, pointed at moto only) and succeeds, and the next audit passes that check. Two worlds with
 * different values.
 */
import { ModifyVpcAttributeCommand } from '@aws-sdk/client-ec2'
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildWorld, type World, type WorldParams } from '../helpers/aws-world.js'
import { startFakeEks, type FakeEks } from '../helpers/fake-eks.js'
import { motoEnv, startMoto, type Moto } from '../helpers/moto.js'
import { createCa, createTempDir, removeTempDir } from '../helpers/pki.js'
import { cleanEnv, runCli, type CliRun } from '../helpers/run-cli.js'

const WORLDS: WorldParams[] = [
  {
    region: 'eu-central-1',
    cluster: 'ledger-prod',
    eksVpcCidr: '10.40.0.0/16',
    eksSubnetCidrs: ['10.40.1.0/24', '10.40.2.0/24'],
    vpnVpcCidr: '10.77.0.0/16',
    vpnSubnetCidr: '10.77.0.0/24',
    endpointIps: ['10.40.1.21', '10.40.2.34'],
    vpnRouterIp: '10.77.0.5',
    roleName: 'operators',
    rolePath: '/platform/',
  },
  {
    region: 'ap-southeast-2',
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

/**
 * Each fault, the check the audit must fail (or warn) on, and how it is made. A route into a
 * deleted ENI is not here: moto keeps such a route `active` where AWS marks it `blackhole`.
 */
const FAULTS: { name: string; check: string; status: 'fail' | 'warn'; make: (w: World) => Promise<unknown> }[] = [
  { name: 'the cluster security group lost its 443 rule', check: 'network.security-group', status: 'fail', make: (w) => w.removeSgRule() },
  { name: 'an endpoint subnet has no route back to the VPN', check: 'network.route-tables', status: 'fail', make: (w) => w.removeEksRoute(0) },
  { name: 'the VPN VPC has no route to the cluster', check: 'network.vpn-route', status: 'fail', make: (w) => w.removeVpnReturnRoute() },
  { name: 'the peering was deleted', check: 'network.peering', status: 'fail', make: (w) => w.deactivatePeering() },
  { name: 'a NACL denies 443 from the VPN', check: 'network.nacl', status: 'fail', make: (w) => w.denyNacl() },
  { name: 'the VPN router has source/dest check on', check: 'network.vpn-router', status: 'fail', make: (w) => w.enableSourceDestCheck() },
  { name: 'the peering does not resolve DNS across', check: 'network.peering', status: 'warn', make: (w) => w.disablePeeringDns() },
  {
    name: 'the cluster VPC has DNS hostnames off',
    check: 'cluster.vpc',
    status: 'fail',
    make: (w) => w.ec2.send(new ModifyVpcAttributeCommand({ VpcId: w.eksVpcId, EnableDnsHostnames: { Value: false } })),
  },
]

let moto: Moto
let eks: FakeEks
let dir: string
let caPem: string

beforeAll(async () => {
  dir = createTempDir()
  caPem = createCa(dir).certPem
  ;[moto, eks] = await Promise.all([startMoto(), startFakeEks()])
}, 60_000)

afterAll(async () => {
  await Promise.all([moto?.stop(), eks?.close()])
  removeTempDir(dir)
})

function check(run: CliRun, id: string): { status: string; code?: string; fixes?: { commands: string[] }[] } {
  const found = run.json?.checks?.find((c: { id: string }) => c.id === id)
  if (!found) throw new Error(`no ${id} in ${run.stdout.slice(0, 500)}${run.stderr.slice(0, 500)}`)
  return found
}

for (const p of WORLDS) {
  describe(`fixes as printed, ${p.cluster} in ${p.region}`, () => {
    let world: World

    beforeEach(async () => {
      await moto.reset()
      world = await buildWorld(moto, p)
      eks.clusters.clear()
      eks.clusters.set(p.cluster, { name: p.cluster, endpoint: 'https://127.0.0.1:9', caPem, ...world.clusterVpcConfig })
    }, 30_000)

    // Only moto and the loopback EKS: every service the aws CLI could call is pointed at them.
    const env = () => cleanEnv({ ...motoEnv(moto), AWS_ENDPOINT_URL: moto.url, AWS_ENDPOINT_URL_EKS: eks.url, AWS_DEFAULT_REGION: p.region, AWS_PAGER: '' })
    const audit = () => runCli(['audit', '--cluster', p.cluster, '--region', p.region, '--vpn-instance', world.routerInstanceId, '--json'], { env: env() })

    it.each(FAULTS)('$name: $check names it, its aws commands succeed as printed, and the next audit passes it', async ({ check: id, status, make }) => {
      const before = await audit()
      expect(check(before, id).status).toBe('pass')
      await make(world)
      const broken = await audit()
      const found = check(broken, id)
      expect(found.status, JSON.stringify(found)).toBe(status)
      const commands = (found.fixes ?? []).flatMap((f) => f.commands).filter((c) => c.startsWith('aws '))
      expect(commands.length).toBeGreaterThan(0)
      for (const command of commands) {
        const ran = spawnSync('bash', ['-c', command], { env: env(), encoding: 'utf8', timeout: 60_000 })
        expect(ran.status, `${command}\n${ran.stderr}`).toBe(0)
      }
      const after = await audit()
      expect(check(after, id).status, JSON.stringify(check(after, id))).toBe('pass')
    }, 120_000)
  })
}
