import { describe, expect, it } from 'vitest'
import { endpointAccessProbe } from '../../../../src/probes/cluster/endpoint-access.js'
import { clusterInfo, fakeEnv, runProbe } from '../../../helpers/fake-env.js'

describe('cluster.endpoint-access with --require-private (audit)', () => {
  it.each([
    { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2', cidrs: [], open: 'any address' },
    { cluster: 'payments-prod', region: 'eu-west-1', cidrs: ['203.0.113.0/24'], open: '203.0.113.0/24' },
  ])('a public endpoint on $cluster is a cluster failure, with the command to close it', async ({ cluster, region, cidrs, open }) => {
    const outcome = await runProbe(endpointAccessProbe, {
      env: fakeEnv(),
      target: { cluster, region },
      options: { mode: 'audit', requirePrivate: true },
      data: { 'cluster.describe': clusterInfo({ name: cluster, endpointPublicAccess: true, publicAccessCidrs: cidrs }) },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'PUBLIC_ENDPOINT_ENABLED', category: 'cluster' })
    expect(outcome.detail).toContain(`${cluster} also has its public endpoint on (open to ${open})`)
    expect(outcome.fixes?.[0]?.commands[0]).toBe(
      `aws eks update-cluster-config --name ${cluster} --region ${region} --resources-vpc-config endpointPrivateAccess=true,endpointPublicAccess=false`,
    )
  })

  it('the same cluster only warns without --require-private', async () => {
    const outcome = await runProbe(endpointAccessProbe, {
      env: fakeEnv(),
      target: { cluster: 'payments-prod', region: 'eu-west-1' },
      options: { mode: 'audit' },
      data: { 'cluster.describe': clusterInfo({ name: 'payments-prod', endpointPublicAccess: true }) },
    })
    expect(outcome).toMatchObject({ status: 'warn', code: 'PUBLIC_ENDPOINT_ENABLED' })
  })

  it('a private-only cluster passes', async () => {
    const outcome = await runProbe(endpointAccessProbe, {
      env: fakeEnv(),
      target: { cluster: 'batch-eu', region: 'eu-central-1' },
      options: { mode: 'audit', requirePrivate: true },
      data: { 'cluster.describe': clusterInfo({ name: 'batch-eu' }) },
    })
    expect(outcome.status).toBe('pass')
  })

  it('private access off stays PRIVATE_ENDPOINT_DISABLED, the stronger finding', async () => {
    const outcome = await runProbe(endpointAccessProbe, {
      env: fakeEnv(),
      target: { cluster: 'legacy-public', region: 'us-west-2' },
      options: { mode: 'audit', requirePrivate: true },
      data: { 'cluster.describe': clusterInfo({ name: 'legacy-public', endpointPrivateAccess: false, endpointPublicAccess: true }) },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'PRIVATE_ENDPOINT_DISABLED', category: 'cluster' })
  })
})
