/**
 * The AWS side of the test world, checked with the SDK's own Describe* calls against a real
 * moto_server: two worlds built side by side, every piece where it should be, each fault toggle
 * changing exactly one thing, and the moto 5.2.1 behaviours that test/helpers/aws-world.ts relies on.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import {
  CreateManagedPrefixListCommand,
  CreateNetworkAclCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteNetworkInterfaceCommand,
  DescribeDhcpOptionsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcPeeringConnectionsCommand,
  DescribeVpcsCommand,
  GetManagedPrefixListEntriesCommand,
  ModifyInstanceAttributeCommand,
  RejectVpcPeeringConnectionCommand,
  RunInstancesCommand,
  type EC2Client,
  type IpPermission,
} from '@aws-sdk/client-ec2'
import { GetRoleCommand } from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADDITIONAL_SG_CIDR, buildWorld, motoClients, NACL_ALLOW_RULE, NACL_DENY_RULE, type World, type WorldParams } from '../helpers/aws-world.js'
import { motoEnv, startMoto, type Moto } from '../helpers/moto.js'
import { cleanEnv, ROOT } from '../helpers/run-cli.js'

const A: WorldParams = {
  region: 'eu-west-1',
  cluster: 'payments-prod',
  eksVpcCidr: '10.20.0.0/16',
  eksSubnetCidrs: ['10.20.1.0/24', '10.20.2.0/24'],
  vpnVpcCidr: '10.99.0.0/16',
  vpnSubnetCidr: '10.99.0.0/24',
  endpointIps: ['10.20.1.87', '10.20.2.143'],
  vpnRouterIp: '10.99.0.10',
  roleName: 'AWSReservedSSO_PlatformAdmin_0123456789abcdef',
  rolePath: '/aws-reserved/sso.amazonaws.com/eu-west-1/',
}

// The VPN VPC here has the same CIDR as moto's (and AWS's) default VPC in the region, as it often
// has in real accounts: ids, not CIDRs, must tell them apart.
const B: WorldParams = {
  region: 'ap-northeast-2',
  cluster: 'eks-secure-infra-dev',
  eksVpcCidr: '10.0.0.0/16',
  eksSubnetCidrs: ['10.0.10.0/24', '10.0.11.0/24'],
  vpnVpcCidr: '172.31.0.0/16',
  vpnSubnetCidr: '172.31.32.0/20',
  endpointIps: ['10.0.10.239', '10.0.11.42'],
  vpnRouterIp: '172.31.40.7',
  roleName: 'AWSReservedSSO_EksSecurityInfra_fedcba9876543210',
  rolePath: '/aws-reserved/sso.amazonaws.com/ap-northeast-2/',
}

let moto: Moto | undefined

beforeAll(async () => {
  moto = await startMoto()
}, 40_000)

afterAll(async () => {
  await moto?.stop()
}, 10_000)

function running(): Moto {
  if (!moto) throw new Error('moto did not start')
  return moto
}

/** The error name an SDK call rejects with, or 'resolved'. */
async function errorName(call: Promise<unknown>): Promise<string> {
  try {
    await call
    return 'resolved'
  } catch (error) {
    return (error as Error).name
  }
}

function ruleKeys(direction: 'in' | 'out', perms: IpPermission[] = []): string[] {
  return perms.flatMap((p) => {
    const ports = `${p.IpProtocol} ${p.FromPort ?? '*'}-${p.ToPort ?? '*'}`
    return [
      ...(p.IpRanges ?? []).map((r) => `${direction} ${ports} ${r.CidrIp}`),
      ...(p.UserIdGroupPairs ?? []).map((g) => `${direction} ${ports} ${g.GroupId}`),
    ]
  })
}

/** Everything a fault could touch, keyed by stable names so a diff reads as a sentence. */
async function snapshot(ec2: EC2Client, w: World) {
  const [sgs, tables, pcx, nacls, instances, enis] = await Promise.all([
    ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [w.clusterSgId, w.additionalSgId] })),
    ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [w.eksVpcId, w.vpnVpcId] }] })),
    ec2.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [w.peeringId] })),
    ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [w.eksVpcId] }] })),
    ec2.send(new DescribeInstancesCommand({ InstanceIds: [w.routerInstanceId] })),
    ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: [w.eksVpcId] }] })),
  ])
  const sg = (id: string) => {
    const g = sgs.SecurityGroups?.find((x) => x.GroupId === id)
    return Object.fromEntries([...ruleKeys('in', g?.IpPermissions), ...ruleKeys('out', g?.IpPermissionsEgress)].map((k) => [k, true]))
  }
  const routes = (id: string) => {
    const t = tables.RouteTables?.find((x) => x.RouteTableId === id)
    return Object.fromEntries(
      (t?.Routes ?? []).map((r) => [
        r.DestinationCidrBlock,
        `${r.GatewayId ?? r.VpcPeeringConnectionId ?? r.NetworkInterfaceId ?? r.InstanceId ?? '?'} ${r.State}`,
      ]),
    )
  }
  const p = pcx.VpcPeeringConnections?.[0]
  const naclEntries = (id: string) => {
    const n = nacls.NetworkAcls?.find((x) => x.NetworkAclId === id)
    return Object.fromEntries(
      (n?.Entries ?? []).map((e) => [
        `${e.Egress ? 'out' : 'in'} ${e.RuleNumber}`,
        `${e.RuleAction} ${e.Protocol} ${e.PortRange ? `${e.PortRange.From}-${e.PortRange.To}` : 'all'} ${e.CidrBlock}`,
      ]),
    )
  }
  const naclOf = (subnetId: string) => nacls.NetworkAcls?.find((n) => n.Associations?.some((a) => a.SubnetId === subnetId))?.NetworkAclId
  const router = instances.Reservations?.[0]?.Instances?.[0]
  return {
    sg: { cluster: sg(w.clusterSgId), additional: sg(w.additionalSgId) },
    routes: {
      eks0: routes(w.eksRouteTableIds[0]),
      eks1: routes(w.eksRouteTableIds[1]),
      vpn: routes(w.vpnRouteTableId),
      eksMain: routes(w.eksMainRouteTableId),
      vpnMain: routes(w.vpnMainRouteTableId),
    },
    peering: {
      status: p?.Status?.Code,
      requesterDns: p?.RequesterVpcInfo?.PeeringOptions?.AllowDnsResolutionFromRemoteVpc,
      accepterDns: p?.AccepterVpcInfo?.PeeringOptions?.AllowDnsResolutionFromRemoteVpc,
    },
    nacl: { entries: naclEntries(w.naclId), eks0: naclOf(w.eksSubnetIds[0]), eks1: naclOf(w.eksSubnetIds[1]) },
    router: {
      state: router?.State?.Name,
      ip: router?.PrivateIpAddress,
      sourceDestCheck: router?.SourceDestCheck,
      eniSourceDestCheck: router?.NetworkInterfaces?.[0]?.SourceDestCheck,
    },
    eksEnis: Object.fromEntries((enis.NetworkInterfaces ?? []).map((n) => [n.NetworkInterfaceId, `${n.Description} ${n.SubnetId} ${n.PrivateIpAddress}`])),
  }
}

/** Paths (joined with ' > ') whose values differ between two snapshots. */
function changedPaths(before: unknown, after: unknown, path: string[] = []): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
    return keys.flatMap((k) => changedPaths(before[k], after[k], [...path, k]))
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path.join(' > ')]
}

async function expectWorldAsDescribed(w: World, p: WorldParams): Promise<void> {
  const { ec2, sts, iam } = motoClients(running(), p.region)
  expect(w.region).toBe(p.region)

  // VPCs, DNS attributes, DHCP options.
  const vpcs = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [w.eksVpcId, w.vpnVpcId] }))).Vpcs ?? []
  expect(vpcs.map((v) => [v.VpcId, v.CidrBlock, v.DhcpOptionsId, v.IsDefault]).sort()).toEqual(
    [
      [w.eksVpcId, p.eksVpcCidr, w.dhcpOptionsId, false],
      [w.vpnVpcId, p.vpnVpcCidr, w.dhcpOptionsId, false],
    ].sort(),
  )
  for (const VpcId of [w.eksVpcId, w.vpnVpcId]) {
    const support = await ec2.send(new DescribeVpcAttributeCommand({ VpcId, Attribute: 'enableDnsSupport' }))
    const hostnames = await ec2.send(new DescribeVpcAttributeCommand({ VpcId, Attribute: 'enableDnsHostnames' }))
    expect([support.EnableDnsSupport?.Value, hostnames.EnableDnsHostnames?.Value]).toEqual([true, true])
  }
  const dhcp = (await ec2.send(new DescribeDhcpOptionsCommand({ DhcpOptionsIds: [w.dhcpOptionsId] }))).DhcpOptions?.[0]
  const servers = dhcp?.DhcpConfigurations?.find((c) => c.Key === 'domain-name-servers')?.Values?.map((v) => v.Value)
  expect(servers).toEqual(['AmazonProvidedDNS'])

  // Subnets: two EKS subnets in two AZs, one VPN subnet.
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [...w.eksSubnetIds, w.vpnSubnetId] }))).Subnets ?? []
  const subnet = (id: string) => subnets.find((s) => s.SubnetId === id)
  w.eksSubnetIds.forEach((id, i) => {
    expect(subnet(id)).toMatchObject({ VpcId: w.eksVpcId, CidrBlock: p.eksSubnetCidrs[i], AvailabilityZone: w.availabilityZones[i] })
  })
  expect(w.availabilityZones[0]).not.toBe(w.availabilityZones[1])
  expect(w.availabilityZones.every((az) => az.startsWith(p.region))).toBe(true)
  expect(subnet(w.vpnSubnetId)).toMatchObject({ VpcId: w.vpnVpcId, CidrBlock: p.vpnSubnetCidr })

  // Route tables: the lookup by association.subnet-id finds each subnet's own table.
  const subnetTables: [string, string, string, string][] = [
    [w.eksSubnetIds[0], w.eksRouteTableIds[0], p.vpnVpcCidr, p.eksVpcCidr],
    [w.eksSubnetIds[1], w.eksRouteTableIds[1], p.vpnVpcCidr, p.eksVpcCidr],
    [w.vpnSubnetId, w.vpnRouteTableId, p.eksVpcCidr, p.vpnVpcCidr],
  ]
  for (const [subnetId, tableId, remote, local] of subnetTables) {
    const found = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }))).RouteTables ?? []
    expect(found.map((t) => t.RouteTableId)).toEqual([tableId])
    const table = found[0]!
    expect(table.Associations?.filter((a) => a.SubnetId === subnetId).map((a) => a.Main)).toEqual([false])
    expect(table.Routes?.map((r) => [r.DestinationCidrBlock, r.GatewayId ?? r.VpcPeeringConnectionId, r.State]).sort()).toEqual(
      [
        [local, 'local', 'active'],
        [remote, w.peeringId, 'active'],
      ].sort(),
    )
  }
  const mains = (
    await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [w.eksVpcId, w.vpnVpcId] }, { Name: 'association.main', Values: ['true'] }] }))
  ).RouteTables
  expect(mains?.map((t) => t.RouteTableId).sort()).toEqual([w.eksMainRouteTableId, w.vpnMainRouteTableId].sort())
  expect([...w.eksRouteTableIds, w.vpnRouteTableId]).not.toContain(w.eksMainRouteTableId)

  // Peering: active, EKS requester, VPN accepter, remote DNS resolution on both sides.
  const pcx = (await ec2.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [w.peeringId] }))).VpcPeeringConnections ?? []
  expect(pcx).toHaveLength(1)
  expect(pcx[0]).toMatchObject({
    Status: { Code: 'active' },
    RequesterVpcInfo: { VpcId: w.eksVpcId, CidrBlock: p.eksVpcCidr, PeeringOptions: { AllowDnsResolutionFromRemoteVpc: true } },
    AccepterVpcInfo: { VpcId: w.vpnVpcId, CidrBlock: p.vpnVpcCidr, PeeringOptions: { AllowDnsResolutionFromRemoteVpc: true } },
  })

  // Security groups.
  const sgs = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [w.clusterSgId, w.additionalSgId] }))).SecurityGroups ?? []
  const clusterSg = sgs.find((g) => g.GroupId === w.clusterSgId)
  const additionalSg = sgs.find((g) => g.GroupId === w.additionalSgId)
  expect(clusterSg?.VpcId).toBe(w.eksVpcId)
  expect(clusterSg?.GroupName).toMatch(new RegExp(`^eks-cluster-sg-${p.cluster}-`))
  expect(clusterSg?.Tags).toContainEqual({ Key: 'aws:eks:cluster-name', Value: p.cluster })
  expect(ruleKeys('in', clusterSg?.IpPermissions).sort()).toEqual([`in -1 *-* ${w.clusterSgId}`, `in tcp 443-443 ${p.vpnVpcCidr}`])
  expect(ruleKeys('in', additionalSg?.IpPermissions)).toEqual([`in tcp 22-22 ${ADDITIONAL_SG_CIDR}`])

  // NACL: the custom one on both EKS subnets, with exactly the expected entries.
  const nacls = (await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: w.eksSubnetIds }] }))).NetworkAcls ?? []
  expect(nacls.map((n) => n.NetworkAclId)).toEqual([w.naclId])
  expect(nacls[0]?.IsDefault).toBe(false)
  expect(nacls[0]?.Associations?.map((a) => a.SubnetId).sort()).toEqual([...w.eksSubnetIds].sort())
  const entries = nacls[0]?.Entries?.map((e) => [e.Egress, e.RuleNumber, e.RuleAction, e.Protocol, e.CidrBlock, e.PortRange?.From, e.PortRange?.To])
  expect(entries?.sort()).toEqual(
    [
      [false, NACL_ALLOW_RULE, 'allow', '6', p.vpnVpcCidr, 443, 443],
      [true, NACL_ALLOW_RULE, 'allow', '6', p.vpnVpcCidr, 1024, 65535],
      [false, 32767, 'deny', '-1', '0.0.0.0/0', undefined, undefined],
      [true, 32767, 'deny', '-1', '0.0.0.0/0', undefined, undefined],
    ].sort(),
  )

  // The VPN router.
  const router = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [w.routerInstanceId] }))).Reservations?.[0]?.Instances?.[0]
  expect(router).toMatchObject({ PrivateIpAddress: p.vpnRouterIp, SubnetId: w.vpnSubnetId, VpcId: w.vpnVpcId, SourceDestCheck: false, State: { Name: 'running' } })
  expect(router?.NetworkInterfaces?.map((n) => [n.NetworkInterfaceId, n.SourceDestCheck])).toEqual([[w.routerEniId, false]])

  // The endpoint ENIs, found the way eksdoctor finds them.
  const byDescription = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'description', Values: [`Amazon EKS ${p.cluster}`] }] }))
  const enis = byDescription.NetworkInterfaces ?? []
  expect(enis.map((n) => [n.NetworkInterfaceId, n.SubnetId, n.PrivateIpAddress, n.VpcId]).sort()).toEqual(
    [
      [w.endpointEniIds[0], w.eksSubnetIds[0], p.endpointIps[0], w.eksVpcId],
      [w.endpointEniIds[1], w.eksSubnetIds[1], p.endpointIps[1], w.eksVpcId],
    ].sort(),
  )
  for (const eni of enis) expect(eni.Groups?.map((g) => g.GroupId).sort()).toEqual([w.clusterSgId, w.additionalSgId].sort())

  // Identity and role.
  expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(w.accountId)
  const role = (await iam.send(new GetRoleCommand({ RoleName: p.roleName }))).Role
  expect(role).toMatchObject({ RoleName: p.roleName, Path: p.rolePath, Arn: w.roleArn })
  expect(w.roleArn).toBe(`arn:aws:iam::${w.accountId}:role${p.rolePath}${p.roleName}`)
  // AWS (and moto) return the trust policy URL-encoded.
  expect(JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '{}')).Statement[0].Principal.AWS).toBe(`arn:aws:iam::${w.accountId}:root`)

  expect(w.clusterVpcConfig).toEqual({ vpcId: w.eksVpcId, subnetIds: [...w.eksSubnetIds], clusterSecurityGroupId: w.clusterSgId, securityGroupIds: [w.additionalSgId] })
}

function run(file: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${file} did not finish within ${timeoutMs} ms\n${stderr}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

const onPath = (tool: string) => (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, tool)))

describe('the AWS test world in moto', { timeout: 30_000 }, () => {
  const worlds: Partial<Record<'A' | 'B', World>> = {}

  beforeAll(async () => {
    worlds.A = await buildWorld(running(), A)
    worlds.B = await buildWorld(running(), B)
  }, 30_000)

  it('builds two worlds side by side, in two regions, each exactly as described', async () => {
    await expectWorldAsDescribed(worlds.A!, A)
    await expectWorldAsDescribed(worlds.B!, B)
    // moto, like AWS, has a default VPC with 172.31.0.0/16 in every region: B's VPN VPC shares its CIDR.
    const { ec2 } = motoClients(running(), B.region)
    const same = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: [B.vpnVpcCidr] }] }))).Vpcs ?? []
    expect(same.map((v) => v.IsDefault).sort()).toEqual([false, true])
  })

  it('refuses parameters that cannot exist in AWS (moto would accept them)', async () => {
    await expect(buildWorld(running(), { ...A, endpointIps: ['10.20.1.87', '10.20.9.9'] })).rejects.toThrow(/endpointIps\[1\]/)
    await expect(buildWorld(running(), { ...A, vpnVpcCidr: '10.20.0.0/20', vpnSubnetCidr: '10.20.0.0/24', vpnRouterIp: '10.20.0.5' })).rejects.toThrow(/overlap/)
  })

  it('motoEnv points a child SDK process and the aws CLI at moto, and not EKS', async () => {
    const env = motoEnv(running(), { AWS_REGION: A.region })
    expect(Object.keys(env).sort()).toEqual(
      ['AWS_ACCESS_KEY_ID', 'AWS_EC2_METADATA_DISABLED', 'AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_STS', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY'].sort(),
    )
    // No endpoint in code: only the environment says where to go. The guard refuses any other host.
    const script = `
      import { EC2Client, DescribeVpcsCommand } from '@aws-sdk/client-ec2'
      import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts'
      import { IAMClient, GetRoleCommand } from '@aws-sdk/client-iam'
      const guard = (next) => async (args) => {
        if (args.request.hostname !== '127.0.0.1') throw new Error('not loopback: ' + args.request.hostname)
        return next(args)
      }
      const ec2 = new EC2Client({}), sts = new STSClient({}), iam = new IAMClient({})
      for (const c of [ec2, sts, iam]) c.middlewareStack.add(guard, { step: 'finalizeRequest' })
      const vpcs = await ec2.send(new DescribeVpcsCommand({ VpcIds: [process.argv[1]] }))
      const who = await sts.send(new GetCallerIdentityCommand({}))
      const role = await iam.send(new GetRoleCommand({ RoleName: process.argv[2] }))
      console.log(JSON.stringify({ vpc: vpcs.Vpcs[0].VpcId, account: who.Account, path: role.Role.Path }))
    `
    const child = await run(
      process.execPath,
      ['--input-type=module', '-e', script, worlds.A!.eksVpcId, A.roleName],
      cleanEnv({ ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }),
      15_000,
    )
    expect(child.code, child.stderr).toBe(0)
    expect(JSON.parse(child.stdout)).toEqual({ vpc: worlds.A!.eksVpcId, account: worlds.A!.accountId, path: A.rolePath })

    if (!onPath('aws')) return
    // Anything the CLI sent elsewhere would go to a dead loopback proxy instead of AWS.
    const guarded = { ...env, HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1' }
    // aws CLI v1 reads AWS_DEFAULT_REGION, not AWS_REGION: say it on the command line.
    const args = ['ec2', 'describe-vpcs', '--vpc-ids', worlds.A!.vpnVpcId, '--region', A.region, '--output', 'json']
    const cli = await run('aws', args, cleanEnv(guarded), 20_000)
    expect(cli.code, cli.stderr).toBe(0)
    expect(JSON.parse(cli.stdout).Vpcs[0].CidrBlock).toBe(A.vpnVpcCidr)
  })

  it('each fault toggle changes exactly what it should', async () => {
    const w = worlds.A!
    const { ec2 } = motoClients(running(), A.region)
    const apply = async (fault: () => Promise<unknown>) => {
      const before = await snapshot(ec2, w)
      const result = await fault()
      const after = await snapshot(ec2, w)
      return { before, after, changed: changedPaths(before, after), result }
    }

    let step = await apply(() => w.removeSgRule())
    expect(step.changed).toEqual([`sg > cluster > in tcp 443-443 ${A.vpnVpcCidr}`])

    step = await apply(() => w.removeEksRoute(0))
    expect(step.changed).toEqual([`routes > eks0 > ${A.vpnVpcCidr}`])
    expect(step.after.routes.eks0[A.vpnVpcCidr]).toBeUndefined()

    step = await apply(() => w.removeVpnReturnRoute())
    expect(step.changed).toEqual([`routes > vpn > ${A.eksVpcCidr}`])
    expect(step.after.routes.vpn[A.eksVpcCidr]).toBeUndefined()

    // moto keeps State 'active' where AWS would say 'blackhole': the target ENI is gone.
    step = await apply(() => w.blackholeEksRoute(1))
    const deadEni = step.result as string
    expect(step.changed).toEqual([`routes > eks1 > ${A.vpnVpcCidr}`])
    expect(step.before.routes.eks1[A.vpnVpcCidr]).toBe(`${w.peeringId} active`)
    expect(step.after.routes.eks1[A.vpnVpcCidr]).toBe(`${deadEni} active`)
    expect(await errorName(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [deadEni] })))).toBe('InvalidNetworkInterfaceID.NotFound')

    step = await apply(() => w.denyNacl())
    expect(step.changed).toEqual([`nacl > entries > in ${NACL_DENY_RULE}`])
    expect(step.after.nacl.entries[`in ${NACL_DENY_RULE}`]).toBe(`deny 6 443-443 ${A.vpnVpcCidr}`)

    step = await apply(() => w.enableSourceDestCheck())
    expect(step.changed).toEqual(['router > eniSourceDestCheck', 'router > sourceDestCheck'])
    expect(step.after.router).toMatchObject({ sourceDestCheck: true, eniSourceDestCheck: true })

    step = await apply(() => w.disablePeeringDns())
    expect(step.changed).toEqual(['peering > accepterDns', 'peering > requesterDns'])
    expect(step.after.peering).toMatchObject({ status: 'active', requesterDns: false, accepterDns: false })

    // The routes still name the deleted connection, State 'active' (AWS: blackhole).
    step = await apply(() => w.deactivatePeering())
    expect(step.changed).toEqual(['peering > status'])
    expect(step.after.peering.status).toBe('deleted')
    expect(step.after.routes.eks0).toEqual(step.before.routes.eks0)
    expect(step.after.routes.vpn).toEqual(step.before.routes.vpn)

    // World B, in another region of the same moto, was not touched by any of it.
    await expectWorldAsDescribed(worlds.B!, B)
  })

  it('after moto.reset() a fresh world is whole again and takes faults again', async () => {
    const started = Date.now()
    await running().reset()
    const { ec2 } = motoClients(running(), A.region)
    const left = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? []
    expect(left.map((v) => v.IsDefault)).toEqual([true])

    const w = await buildWorld(running(), A)
    await expectWorldAsDescribed(w, A)
    await w.blackholeEksRoute(0)
    await w.removeSgRule()
    const after = await snapshot(ec2, w)
    expect(after.routes.eks0[A.vpnVpcCidr]).toMatch(/^eni-\S+ active$/)
    expect(after.routes.eks1[A.vpnVpcCidr]).toBe(`${w.peeringId} active`)
    expect(after.sg.cluster[`in tcp 443-443 ${A.vpnVpcCidr}`]).toBeUndefined()
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  // Each claim in the header of test/helpers/aws-world.ts, seen again, so a moto upgrade that
  // changes one of them fails here first.
  it('moto 5.2.1 behaves as the world helper documents', async () => {
    const { ec2 } = motoClients(running(), 'us-west-2')
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.50.0.0/16' }))).Vpc!
    const peer = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.51.0.0/16' }))).Vpc!

    // DHCP options 'default' cannot be described; DNS hostnames start off.
    expect(vpc.DhcpOptionsId).toBe('default')
    expect(await errorName(ec2.send(new DescribeDhcpOptionsCommand({ DhcpOptionsIds: ['default'] })))).toMatch(/InvalidDhcpOptionID/)
    const hostnames = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpc.VpcId!, Attribute: 'enableDnsHostnames' }))
    expect(hostnames.EnableDnsHostnames?.Value).toBe(false)

    // Route filter route.state is not implemented (HTTP 500 with HTML the SDK cannot parse).
    expect(await errorName(ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'route.state', Values: ['blackhole'] }] })))).not.toBe('resolved')

    // Peering: Create answers 'initiating-request', Describe then says 'pending-acceptance';
    // Filters are ignored; reject only while pending.
    const pending = (await ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: vpc.VpcId!, PeerVpcId: peer.VpcId! }))).VpcPeeringConnection!
    expect(pending.Status?.Code).toBe('initiating-request')
    const listed = await ec2.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [pending.VpcPeeringConnectionId!] }))
    expect(listed.VpcPeeringConnections?.[0]?.Status?.Code).toBe('pending-acceptance')
    const filtered = await ec2.send(new DescribeVpcPeeringConnectionsCommand({ Filters: [{ Name: 'status-code', Values: ['active'] }] }))
    expect(filtered.VpcPeeringConnections?.map((p) => p.VpcPeeringConnectionId)).toContain(pending.VpcPeeringConnectionId)
    await ec2.send(new RejectVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pending.VpcPeeringConnectionId! }))
    const rejected = await ec2.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [pending.VpcPeeringConnectionId!] }))
    expect(rejected.VpcPeeringConnections?.[0]?.Status?.Code).toBe('rejected')

    // A custom NACL starts empty (AWS shows the two 32767 denies).
    const nacl = (await ec2.send(new CreateNetworkAclCommand({ VpcId: vpc.VpcId! }))).NetworkAcl!
    expect(nacl.Entries).toEqual([])

    // Managed prefix lists: AWS-managed ones listed, custom ones created, entries returned.
    const managed = await ec2.send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: ['com.amazonaws.us-west-2.s3'] }] }))
    expect(managed.PrefixLists?.length).toBe(1)
    const own = await ec2.send(
      new CreateManagedPrefixListCommand({ PrefixListName: 'vpn-clients', MaxEntries: 5, AddressFamily: 'IPv4', Entries: [{ Cidr: '100.64.0.0/10', Description: 'tailnet' }] }),
    )
    const entries = await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: own.PrefixList!.PrefixListId! }))
    expect(entries.Entries).toEqual([{ Cidr: '100.64.0.0/10', Description: 'tailnet' }])

    // ENI description filter: exact match, and '*' wildcards.
    const { ec2: ec2A } = motoClients(running(), A.region)
    const exact = await ec2A.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'description', Values: [`Amazon EKS ${A.cluster.slice(0, -1)}`] }] }))
    expect(exact.NetworkInterfaces).toEqual([])
    const wildcard = await ec2A.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'description', Values: ['Amazon EKS *'] }] }))
    expect(wildcard.NetworkInterfaces?.length).toBe(2)

    // SourceDestCheck: the instance attribute changes; the primary ENI's flag does not (one flag in AWS).
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: '10.50.1.0/24', AvailabilityZone: 'us-west-2a' }))).Subnet!
    const launched = (await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0c55b159cbfafe1f0', MinCount: 1, MaxCount: 1, SubnetId: subnet.SubnetId! }))).Instances![0]!
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: launched.InstanceId!, SourceDestCheck: { Value: false } }))
    const attr = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: launched.InstanceId!, Attribute: 'sourceDestCheck' }))
    const described = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [launched.InstanceId!] }))).Reservations?.[0]?.Instances?.[0]
    expect([attr.SourceDestCheck?.Value, described?.SourceDestCheck, described?.NetworkInterfaces?.[0]?.SourceDestCheck]).toEqual([false, false, true])

    // Route State stays 'active' after its target ENI is deleted.
    const doomed = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId! }))).NetworkInterface!
    const table = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpc.VpcId! }))).RouteTable!
    await ec2.send(new CreateRouteCommand({ RouteTableId: table.RouteTableId!, DestinationCidrBlock: '10.51.0.0/16', NetworkInterfaceId: doomed.NetworkInterfaceId! }))
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: doomed.NetworkInterfaceId! }))
    const routes = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [table.RouteTableId!] }))).RouteTables?.[0]?.Routes
    expect(routes?.find((r) => r.DestinationCidrBlock === '10.51.0.0/16')).toMatchObject({ NetworkInterfaceId: doomed.NetworkInterfaceId, State: 'active' })
  })

  it('stop() ends the moto process group', async () => {
    const m = running()
    await m.stop()
    expect(() => process.kill(m.pid, 0)).toThrow()
    await m.stop()
  })
})
