/**
 * A dual-stack cluster VPC in moto: an Amazon-provided IPv6 block, subnets with IPv6 blocks and the
 * endpoint ENIs with IPv6 addresses. The EC2 reads return them (DescribeVpcs'
 * ipv6CidrBlockAssociationSet, DescribeNetworkInterfaces' ipv6AddressesSet), so the DNS check can
 * tell the endpoint's AAAA answers, which are globally unique addresses, from public ones.
 */
import { AssociateVpcCidrBlockCommand, CreateNetworkInterfaceCommand, CreateSubnetCommand, CreateVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAwsClients } from '../../src/aws/clients.js'
import { MOTO_ACCESS_KEY_ID, MOTO_SECRET_ACCESS_KEY, motoEnv, startMoto, type Moto } from '../helpers/moto.js'

const WORLDS = [
  { region: 'us-west-2', cluster: 'ledger-v6', cidr: '10.40.0.0/16', subnets: ['10.40.1.0/24', '10.40.2.0/24'] },
  { region: 'ap-south-1', cluster: 'orders_dual', cidr: '192.168.0.0/16', subnets: ['192.168.64.0/20', '192.168.80.0/20'] },
]

let moto: Moto
const saved = { ...process.env }

beforeAll(async () => {
  moto = await startMoto()
  // The credential chain reads the environment of the process, as the CLI's does.
  for (const name of Object.keys(process.env)) if (/^AWS_|_PROXY$/i.test(name)) delete process.env[name]
  Object.assign(process.env, motoEnv(moto))
}, 60_000)

afterAll(async () => {
  process.env = saved
  await moto?.stop()
})

describe.each(WORLDS)('a dual-stack VPC for $cluster in $region', (w) => {
  it('DescribeVpcs gives its IPv6 block and DescribeNetworkInterfaces the endpoint ENIs\' IPv6 addresses', async () => {
    const ec2 = new EC2Client({ region: w.region, endpoint: moto.url, credentials: { accessKeyId: MOTO_ACCESS_KEY_ID, secretAccessKey: MOTO_SECRET_ACCESS_KEY } })
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: w.cidr }))).Vpc!.VpcId!
    await ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, AmazonProvidedIpv6CidrBlock: true }))
    const vpc = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs![0]!
    const ipv6Block = vpc.Ipv6CidrBlockAssociationSet![0]!.Ipv6CidrBlock!
    const prefix = ipv6Block.split('::')[0]!
    const enis: { ip: string; v6: string }[] = []
    for (const [i, cidr] of w.subnets.entries()) {
      const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, Ipv6CidrBlock: `${prefix}:${i}::/64`, AvailabilityZone: `${w.region}${'ab'[i]}` }))).Subnet!
      const ip = cidr.replace(/\.0\/\d+$/, `.${20 + i}`)
      const v6 = `${prefix}:${i}::${(0x1a2b + i).toString(16)}`
      await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId!, PrivateIpAddress: ip, Ipv6Addresses: [{ Ipv6Address: v6 }], Description: `Amazon EKS ${w.cluster}` }))
      enis.push({ ip, v6 })
    }

    const aws = createAwsClients({ ...motoEnv(moto), AWS_REGION: w.region }, { homedir: '/nonexistent-home', readText: async () => undefined })
    const opts = { region: w.region, timeoutMs: 20_000 }
    const vpcs = await aws.describeVpcs([vpcId], opts)
    expect(vpcs.ok ? vpcs.value[0] : vpcs).toMatchObject({ id: vpcId, cidrs: [w.cidr], ipv6Cidrs: [ipv6Block] })
    const found = await aws.describeEndpointEnis(w.cluster, opts)
    expect(found.ok && found.value.map((e) => ({ ip: e.privateIps[0], v6: e.ipv6Ips?.[0] })).sort((a, b) => a.ip!.localeCompare(b.ip!))).toEqual(enis)
  }, 60_000)
})
