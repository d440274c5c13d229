import { describe, expect, it } from 'vitest'
import type { CheckResult } from '../../../../src/engine/types.js'
import { deriveVerdict } from '../../../../src/engine/verdict.js'
import { describeProbe } from '../../../../src/probes/cluster/describe.js'
import { awsError, clusterInfo, fakeEnv, runProbe } from '../../../helpers/fake-env.js'

const SEOUL_ENDPOINT = 'https://0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.ap-northeast-2.eks.amazonaws.com'
const DUBLIN_ENDPOINT = 'https://F00DFACE0000111122223333ABCDEF01.yl4.eu-west-1.eks.amazonaws.com'

const NO_CREDS = awsError('AWS_NO_CREDENTIALS', 'Could not load credentials from any providers\nmore detail', { errorName: 'CredentialsProviderError' })

describe('cluster.describe', () => {
  it.each([
    {
      cluster: 'eks-secure-infra-dev',
      region: 'ap-northeast-2',
      profile: 'eks-security-infra',
      info: clusterInfo({
        name: 'eks-secure-infra-dev',
        arn: 'arn:aws:eks:ap-northeast-2:111122223333:cluster/eks-secure-infra-dev',
        endpoint: SEOUL_ENDPOINT,
        vpcId: 'vpc-0a1b2c3d',
        clusterSecurityGroupId: 'sg-0abc1234',
        subnetIds: ['subnet-0aaa', 'subnet-0bbb'],
        version: '1.31',
      }),
      access: 'private endpoint only',
    },
    {
      cluster: 'payments-prod',
      region: 'eu-west-1',
      profile: undefined,
      info: clusterInfo({
        name: 'payments-prod',
        endpoint: DUBLIN_ENDPOINT,
        vpcId: 'vpc-0ffee',
        clusterSecurityGroupId: 'sg-0feed',
        endpointPublicAccess: true,
        publicAccessCidrs: ['203.0.113.0/24'],
        version: '1.30',
        status: 'UPDATING',
      }),
      access: 'private and public endpoint',
    },
  ])('passes for $cluster in $region and hands the cluster on', async ({ cluster, region, profile, info, access }) => {
    const env = fakeEnv({ aws: { describeCluster: { [`${region}/${cluster}`]: info } } })
    const outcome = await runProbe(describeProbe, { env, target: { cluster, region, profile } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain(cluster)
    expect(outcome.detail).toContain(`Kubernetes ${info.version}`)
    expect(outcome.detail).toContain(access)
    expect(outcome.data).toEqual(info)
    expect(outcome.evidence).toMatchObject({
      endpoint: info.endpoint,
      vpcId: info.vpcId,
      clusterSecurityGroupId: info.clusterSecurityGroupId,
      endpointPrivateAccess: true,
      endpointPublicAccess: info.endpointPublicAccess,
    })
    expect(env.record.describeCluster).toEqual([{ name: cluster, options: expect.objectContaining({ region, profile }) }])
    expect(env.record.describeCluster[0]?.options.timeoutMs).toBeGreaterThan(0)
  })

  it.each([
    { typed: 'eks-secure-infra-dvv', region: 'ap-northeast-2', there: ['eks-secure-infra-dev', 'eks-secure-infra-prd', 'legacy'], near: 'eks-secure-infra-dev' },
    { typed: 'paymnts-prod', region: 'us-east-2', there: ['payments-prod', 'payments-stage', 'search'], near: 'payments-prod' },
  ])('fails CLUSTER_NOT_FOUND for $typed and suggests $near', async ({ typed, region, there, near }) => {
    const env = fakeEnv({
      aws: {
        describeCluster: { [`${region}/${typed}`]: awsError('CLUSTER_NOT_FOUND', `No cluster found for name: ${typed}.`) },
        listClusters: { [region]: there },
      },
    })
    const outcome = await runProbe(describeProbe, { env, target: { cluster: typed, region } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLUSTER_NOT_FOUND', category: 'cluster' })
    expect(outcome.detail).toContain(`no cluster "${typed}" in ${region}`)
    expect(outcome.detail).toContain(`did you mean ${near}`)
    expect(outcome.evidence).toMatchObject({ clustersInRegion: there })
    expect((outcome.evidence?.suggestions as string[])[0]).toBe(near)
    expect(outcome.fixes?.[0]?.commands[0]).toBe(`eksdoctor check --cluster ${near} --region ${region}`)
  })

  it('without a close name, says how many clusters there are and how to list them', async () => {
    const env = fakeEnv({
      aws: {
        describeCluster: { 'sa-east-1/zzz': awsError('CLUSTER_NOT_FOUND', 'No cluster found for name: zzz.') },
        listClusters: { 'sa-east-1': ['orders-prod', 'orders-stage'] },
      },
    })
    const outcome = await runProbe(describeProbe, { env, target: { cluster: 'zzz', region: 'sa-east-1' } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLUSTER_NOT_FOUND' })
    expect(outcome.detail).toContain('(2 clusters there)')
    expect(outcome.fixes?.[0]?.commands).toEqual(['aws eks list-clusters --region sa-east-1'])
  })

  it.each([
    { profile: 'eks-security-infra', region: 'ap-northeast-2' },
    { profile: 'platform-admin', region: 'eu-central-1' },
  ])('fails as credentials without AWS credentials and no known endpoint (profile $profile)', async ({ profile, region }) => {
    const env = fakeEnv({ aws: { describeCluster: { [`${region}/blue`]: NO_CREDS } } })
    const outcome = await runProbe(describeProbe, { env, target: { cluster: 'blue', region, profile } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'AWS_NO_CREDENTIALS', category: 'credentials', confirmed: true })
    expect(outcome.detail).toContain('no usable AWS credentials (Could not load credentials from any providers)')
    expect(outcome.detail).toContain('nothing else says where the endpoint is')
    expect(outcome.evidence).toMatchObject({ error: 'CredentialsProviderError' })
    expect(outcome.fixes?.[0]?.commands).toContain(`aws sso login --profile ${profile}`)
  })

  it('skips without AWS credentials when the endpoint is known from elsewhere', async () => {
    const env = fakeEnv({ aws: { describeCluster: { 'ap-northeast-2/blue': NO_CREDS } } })
    const outcome = await runProbe(describeProbe, { env, target: { cluster: 'blue', region: 'ap-northeast-2', endpoint: SEOUL_ENDPOINT } })
    expect(outcome).toMatchObject({ status: 'skip', code: 'AWS_NO_CREDENTIALS' })
    expect(outcome.detail).toContain('checking the endpoint without AWS')
    expect(outcome.data).toBeUndefined()
  })

  it('names the denied action when the credentials may not describe the cluster', async () => {
    const env = fakeEnv({
      aws: {
        describeCluster: {
          'eu-west-1/green': awsError('AWS_ACCESS_DENIED', 'User: arn:aws:iam::111122223333:user/ops is not authorized', {
            errorName: 'AccessDeniedException',
            action: 'eks:DescribeCluster',
          }),
        },
      },
    })
    const outcome = await runProbe(describeProbe, { env, target: { cluster: 'green', region: 'eu-west-1' } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'AWS_ACCESS_DENIED', category: 'credentials' })
    expect(outcome.detail).toContain('may not call eks:DescribeCluster')
  })

  it.each([
    { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2', status: 'CREATING' },
    { cluster: 'payments-prod', region: 'us-west-2', status: 'FAILED' },
    { cluster: 'old-blue', region: 'eu-north-1', status: 'DELETING' },
  ])('fails CLUSTER_NOT_ACTIVE for $cluster in $status', async ({ cluster, region, status }) => {
    const env = fakeEnv({ aws: { describeCluster: { [`${region}/${cluster}`]: clusterInfo({ name: cluster, status }) } } })
    const outcome = await runProbe(describeProbe, { env, target: { cluster, region } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'CLUSTER_NOT_ACTIVE', category: 'cluster' })
    expect(outcome.detail).toBe(`cluster ${cluster} is ${status}, not ACTIVE`)
    expect(outcome.evidence).toMatchObject({ status })
    const commands = outcome.fixes?.flatMap((f) => f.commands) ?? []
    expect(commands).toContain(`aws eks wait cluster-active --name ${cluster} --region ${region}`)
    expect(commands.some((c) => c.startsWith(`aws eks describe-cluster --name ${cluster} --region ${region}`))).toBe(true)
  })

  it.each([
    [{ cluster: 'blue' }, 'no region for the cluster'],
    [{ endpoint: SEOUL_ENDPOINT }, 'no cluster name: checking a bare endpoint'],
  ])('does not apply to %o', async (target, reason) => {
    const env = fakeEnv()
    const outcome = await runProbe(describeProbe, { env, target })
    expect(outcome).toEqual({ status: 'skip', detail: reason })
    expect(env.record.describeCluster).toEqual([])
  })

  it('an AWS API timeout stays a cluster finding in the verdict, not an unexpected error (exit 1)', async () => {
    const env = fakeEnv({
      aws: { describeCluster: { 'eu-west-1/green': awsError('AWS_TIMEOUT', 'eks:DescribeCluster did not answer in time: socket hang up') } },
    })
    const outcome = await runProbe(describeProbe, { env, target: { cluster: 'green', region: 'eu-west-1' } })
    expect(outcome).toMatchObject({ status: 'fail', category: 'cluster', confirmed: false })
    const check: CheckResult = {
      id: 'cluster.describe',
      layer: 'cluster',
      status: outcome.status,
      title: describeProbe.title,
      detail: outcome.detail,
      code: outcome.code,
      category: outcome.category,
      confirmed: outcome.confirmed,
      evidence: outcome.evidence ?? {},
      durationMs: 1,
    }
    expect(deriveVerdict([check], ['apiserver.readyz']).category).toBe('cluster')
  })
})
