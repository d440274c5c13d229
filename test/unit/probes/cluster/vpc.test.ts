import { describe, expect, it } from 'vitest'
import type { AwsCallOptions, AwsResult } from '../../../../src/aws/clients.js'
import type { VpcInfo } from '../../../../src/aws/ec2.js'
import { vpcProbe } from '../../../../src/probes/cluster/vpc.js'
import { awsError, clusterInfo, fakeEnv, runProbe } from '../../../helpers/fake-env.js'

const WORLDS = [
  { cluster: 'payments-prod', region: 'eu-west-1', vpcId: 'vpc-ad871a1e0da75dbf5', cidrs: ['10.20.0.0/16', '10.21.0.0/16'], dhcp: 'dopt-9812e042184687c5e' },
  { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2', vpcId: 'vpc-8a451888f6ca8c214', cidrs: ['10.0.0.0/16'], dhcp: 'dopt-b5186cfce10f74391' },
]

function vpc(w: (typeof WORLDS)[number], extra: Partial<VpcInfo> = {}): VpcInfo {
  return {
    id: w.vpcId,
    cidrs: w.cidrs,
    ownerId: '123456789012',
    dhcpOptionsId: w.dhcp,
    enableDnsSupport: true,
    enableDnsHostnames: true,
    dnsServers: ['AmazonProvidedDNS'],
    ...extra,
  }
}

async function run(w: (typeof WORLDS)[number], answer: AwsResult<VpcInfo[]>, mode: 'check' | 'audit' = 'check') {
  const asked: { ids: string[]; o: AwsCallOptions & { attributes?: boolean } }[] = []
  const env = fakeEnv({
    aws: {
      calls: {
        describeVpcs: async (ids, o) => {
          asked.push({ ids, o })
          return answer
        },
      },
    },
  })
  const outcome = await runProbe(vpcProbe, {
    env,
    target: { cluster: w.cluster, region: w.region },
    options: { mode },
    data: { 'cluster.describe': clusterInfo({ name: w.cluster, vpcId: w.vpcId }) },
  })
  return { outcome, asked }
}

const ok = (value: VpcInfo[]): AwsResult<VpcInfo[]> => ({ ok: true, value, ms: 60 })

describe('cluster.vpc', () => {
  it.each(WORLDS)('passes for $vpcId with DNS on and AmazonProvidedDNS, and hands on the CIDRs', async (w) => {
    const { outcome, asked } = await run(w, ok([vpc(w)]))
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${w.vpcId} ${w.cidrs.join(', ')}, DNS support and hostnames on, AmazonProvidedDNS`)
    expect(outcome.data).toEqual({ vpcId: w.vpcId, cidrs: w.cidrs })
    expect(outcome.evidence).toEqual({
      vpcId: w.vpcId,
      cidrs: w.cidrs,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      dhcpOptionsId: w.dhcp,
      dnsServers: ['AmazonProvidedDNS'],
    })
    expect(asked).toEqual([{ ids: [w.vpcId], o: expect.objectContaining({ region: w.region, attributes: true }) }])
  })

  it.each([
    { w: WORLDS[0]!, off: { enableDnsHostnames: false }, missing: ['enableDnsHostnames'] },
    { w: WORLDS[1]!, off: { enableDnsSupport: false, enableDnsHostnames: false }, missing: ['enableDnsSupport', 'enableDnsHostnames'] },
  ])('DNS attributes off ($missing): warn in check, fail in audit, with modify-vpc-attribute', async ({ w, off, missing }) => {
    const check = await run(w, ok([vpc(w, off)]), 'check')
    const audit = await run(w, ok([vpc(w, off)]), 'audit')
    expect(check.outcome).toMatchObject({ status: 'warn', category: 'dns' })
    expect(audit.outcome).toMatchObject({ status: 'fail', category: 'dns' })
    for (const { outcome } of [check, audit]) {
      for (const attr of missing) expect(outcome.detail).toContain(`${attr} is off`)
      expect(outcome.detail).toContain('inside the VPC the private endpoint name will not resolve')
      const fix = outcome.fixes?.[0]
      expect(fix?.category).toBe('dns')
      expect(fix?.commands).toEqual(
        missing.map((attr) => `aws ec2 modify-vpc-attribute --vpc-id ${w.vpcId} --${attr === 'enableDnsSupport' ? 'enable-dns-support' : 'enable-dns-hostnames'} '{"Value":true}' --region ${w.region}`),
      )
      expect(fix?.terraform).toMatch(/enable_dns_support\s+=\s+true/)
      expect(fix?.terraform).toMatch(/enable_dns_hostnames\s+=\s+true/)
      expect(outcome.data).toEqual({ vpcId: w.vpcId, cidrs: w.cidrs })
    }
  })

  it.each([
    { w: WORLDS[0]!, servers: ['10.20.0.53', '10.20.1.53'] },
    { w: WORLDS[1]!, servers: ['192.168.100.10'] },
  ])('custom DHCP name servers $servers: warn in check, fail in audit, no attribute fix', async ({ w, servers }) => {
    const check = await run(w, ok([vpc(w, { dnsServers: servers })]), 'check')
    const audit = await run(w, ok([vpc(w, { dnsServers: servers })]), 'audit')
    expect(check.outcome).toMatchObject({ status: 'warn', category: 'dns' })
    expect(audit.outcome).toMatchObject({ status: 'fail', category: 'dns' })
    expect(check.outcome.detail).toBe(`${w.vpcId}: its DHCP options name ${servers.join(', ')} instead of AmazonProvidedDNS: inside the VPC the private endpoint name will not resolve`)
    expect(check.outcome.evidence).toMatchObject({ dnsServers: servers })
    expect(check.outcome.fixes).toEqual([])
  })

  it('AmazonProvidedDNS next to a custom server is fine', async () => {
    const w = WORLDS[0]!
    const { outcome } = await run(w, ok([vpc(w, { dnsServers: ['AmazonProvidedDNS', '10.20.0.53'] })]))
    expect(outcome.status).toBe('pass')
  })

  it('DNS off and custom DHCP together name both problems', async () => {
    const w = WORLDS[1]!
    const { outcome } = await run(w, ok([vpc(w, { enableDnsSupport: false, dnsServers: ['10.0.0.2'] })]))
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toBe(`${w.vpcId}: enableDnsSupport is off; its DHCP options name 10.0.0.2 instead of AmazonProvidedDNS: inside the VPC the private endpoint name will not resolve`)
    expect(outcome.fixes?.[0]?.commands).toEqual([`aws ec2 modify-vpc-attribute --vpc-id ${w.vpcId} --enable-dns-support '{"Value":true}' --region ${w.region}`])
  })

  it('skips when the VPC cannot be read or is not visible', async () => {
    const w = WORLDS[0]!
    const denied = await run(w, awsError('AWS_ACCESS_DENIED', 'You are not authorized to perform this operation.', { errorName: 'UnauthorizedOperation', action: 'ec2:DescribeVpcs' }))
    expect(denied.outcome).toMatchObject({ status: 'skip', code: 'AWS_ACCESS_DENIED', detail: 'not allowed to call ec2:DescribeVpcs: allow it to settle this link' })
    const empty = await run(w, ok([]))
    expect(empty.outcome).toMatchObject({ status: 'skip', detail: `${w.vpcId} is not visible to these credentials` })
  })

  it('skips without asking when DescribeCluster named no VPC', async () => {
    const env = fakeEnv()
    const outcome = await runProbe(vpcProbe, { env, target: { cluster: 'x', region: 'eu-west-1' }, data: { 'cluster.describe': clusterInfo({ name: 'x' }) } })
    expect(outcome).toEqual({ status: 'skip', detail: 'DescribeCluster named no VPC' })
  })
})
