import { describe, expect, it } from 'vitest'
import type { AwsCallOptions, AwsResult } from '../../../../src/aws/clients.js'
import type { EniInfo } from '../../../../src/aws/ec2.js'
import { endpointEnisProbe, type EndpointEnis } from '../../../../src/probes/cluster/endpoint-enis.js'
import { awsError, clusterInfo, fakeEnv, runProbe } from '../../../helpers/fake-env.js'

function eni(partial: Partial<EniInfo> & Pick<EniInfo, 'id' | 'privateIps' | 'subnetId' | 'vpcId'>): EniInfo {
  return { description: 'Amazon EKS cluster', groupIds: [], ...partial }
}

const WORLDS = [
  {
    cluster: 'payments-prod',
    region: 'eu-west-1',
    profile: 'platform-admin',
    vpcId: 'vpc-ad871a1e0da75dbf5',
    enis: [
      eni({ id: 'eni-77d04653a89bf3fe9', privateIps: ['10.20.1.87'], subnetId: 'subnet-f61b1bffe218eea85', vpcId: 'vpc-ad871a1e0da75dbf5', az: 'eu-west-1a', description: 'Amazon EKS payments-prod', groupIds: ['sg-503615688ede9e995'] }),
      eni({ id: 'eni-7eb95cb28b3147ff2', privateIps: ['10.20.2.143'], subnetId: 'subnet-92aba68e804a2c6a0', vpcId: 'vpc-ad871a1e0da75dbf5', az: 'eu-west-1b', description: 'Amazon EKS payments-prod', groupIds: ['sg-503615688ede9e995'] }),
    ],
    detail: '10.20.1.87 in subnet-f61b1bffe218eea85 (eu-west-1a); 10.20.2.143 in subnet-92aba68e804a2c6a0 (eu-west-1b)',
  },
  {
    cluster: 'eks-secure-infra-dev',
    region: 'ap-northeast-2',
    profile: undefined,
    vpcId: 'vpc-8a451888f6ca8c214',
    enis: [
      eni({ id: 'eni-e68031d06ec8b913e', privateIps: ['10.0.10.239', '10.0.10.240'], subnetId: 'subnet-5ac46807a02717c34', vpcId: 'vpc-8a451888f6ca8c214', description: 'Amazon EKS eks-secure-infra-dev' }),
    ],
    detail: '10.0.10.239, 10.0.10.240 in subnet-5ac46807a02717c34',
  },
]

function envWith(answer: AwsResult<EniInfo[]>) {
  const asked: { cluster: string; o: AwsCallOptions }[] = []
  const env = fakeEnv({
    aws: {
      calls: {
        describeEndpointEnis: async (cluster, o) => {
          asked.push({ cluster, o })
          return answer
        },
      },
    },
  })
  return { env, asked }
}

describe('cluster.endpoint-enis', () => {
  it.each(WORLDS)('passes with the endpoint IPs of $cluster in $region', async ({ cluster, region, profile, vpcId, enis, detail }) => {
    const { env, asked } = envWith({ ok: true, value: enis, ms: 80 })
    const outcome = await runProbe(endpointEnisProbe, {
      env,
      target: { cluster, region, profile },
      data: { 'cluster.describe': clusterInfo({ name: cluster, vpcId }) },
    })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(detail)
    const data = outcome.data as EndpointEnis
    expect(data.enis).toEqual(enis)
    expect(data.ips).toEqual(enis.flatMap((e) => e.privateIps))
    expect(outcome.evidence).toEqual({ enis: enis.map((e) => ({ id: e.id, ips: e.privateIps, subnetId: e.subnetId, az: e.az ?? null })) })
    expect(asked).toEqual([{ cluster, o: expect.objectContaining({ region, profile }) }])
    expect(asked[0]?.o.timeoutMs).toBeGreaterThan(0)
  })

  it('drops ENIs with the same description in another VPC (a namesake cluster elsewhere)', async () => {
    const [world] = WORLDS
    const stray = eni({ id: 'eni-0ffee0ffee0ffee00', privateIps: ['172.20.3.4'], subnetId: 'subnet-0ld', vpcId: 'vpc-0ldc1u57e7', description: 'Amazon EKS payments-prod' })
    const { env } = envWith({ ok: true, value: [...world!.enis, stray], ms: 80 })
    const outcome = await runProbe(endpointEnisProbe, {
      env,
      target: { cluster: world!.cluster, region: world!.region },
      data: { 'cluster.describe': clusterInfo({ name: world!.cluster, vpcId: world!.vpcId }) },
    })
    expect((outcome.data as EndpointEnis).ips).toEqual(['10.20.1.87', '10.20.2.143'])
    expect(outcome.detail).not.toContain('172.20.3.4')
  })

  it.each([
    { privateAccess: true, status: 'warn', tail: ': the private endpoint has no address to answer on' },
    { privateAccess: false, status: 'pass', tail: '' },
  ])('no ENI at all: $status when private access is $privateAccess', async ({ privateAccess, status, tail }) => {
    const { env } = envWith({ ok: true, value: [], ms: 50 })
    const outcome = await runProbe(endpointEnisProbe, {
      env,
      target: { cluster: 'batch-eu', region: 'eu-central-1' },
      data: { 'cluster.describe': clusterInfo({ name: 'batch-eu', vpcId: 'vpc-0b47c4eu', endpointPrivateAccess: privateAccess, endpointPublicAccess: !privateAccess }) },
    })
    expect(outcome.status).toBe(status)
    expect(outcome.detail).toBe(`no network interface described "Amazon EKS batch-eu" in vpc-0b47c4eu${tail}`)
    expect(outcome.data).toEqual({ enis: [], ips: [] })
  })

  it.each([
    {
      result: awsError('AWS_ACCESS_DENIED', 'You are not authorized to perform this operation.', { errorName: 'UnauthorizedOperation', action: 'ec2:DescribeNetworkInterfaces' }),
      detail: 'not allowed to call ec2:DescribeNetworkInterfaces: allow it to settle this link',
    },
    {
      result: awsError('AWS_TIMEOUT', 'ec2:DescribeNetworkInterfaces did not answer in time: aborted', { errorName: 'TimeoutError', action: 'ec2:DescribeNetworkInterfaces' }),
      detail: 'ec2:DescribeNetworkInterfaces failed: ec2:DescribeNetworkInterfaces did not answer in time: aborted',
    },
  ])('skips with the reason when EC2 cannot be read ($result.code)', async ({ result, detail }) => {
    const { env } = envWith(result)
    const outcome = await runProbe(endpointEnisProbe, {
      env,
      target: { cluster: 'payments-prod', region: 'eu-west-1' },
      data: { 'cluster.describe': clusterInfo({ name: 'payments-prod', vpcId: 'vpc-ad871a1e0da75dbf5' }) },
    })
    expect(outcome).toMatchObject({ status: 'skip', code: result.ok ? undefined : result.code, detail })
    expect(outcome.data).toBeUndefined()
  })
})
