import { describe, expect, it } from 'vitest'
import { describeEndpointAccess } from '../../../../src/probes/cluster/describe.js'
import { endpointAccessProbe } from '../../../../src/probes/cluster/endpoint-access.js'
import { clusterInfo, fakeEnv, runProbe } from '../../../helpers/fake-env.js'

describe('cluster.endpoint-access', () => {
  it.each([
    { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2' },
    { cluster: 'payments-prod', region: 'eu-west-1' },
  ])('passes for private-only $cluster', async ({ cluster, region }) => {
    const outcome = await runProbe(endpointAccessProbe, {
      env: fakeEnv(),
      target: { cluster, region },
      data: { 'cluster.describe': clusterInfo({ name: cluster }) },
    })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain(`${cluster} is private-only`)
    expect(outcome.evidence).toEqual({ endpointPrivateAccess: true, endpointPublicAccess: false, publicAccessCidrs: [] })
    expect(outcome.fixes).toBeUndefined()
  })

  it.each([
    { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2', cidrs: [], open: 'any address' },
    { cluster: 'payments-prod', region: 'us-east-2', cidrs: ['203.0.113.0/24', '198.51.100.7/32'], open: '203.0.113.0/24, 198.51.100.7/32' },
  ])('warns PUBLIC_ENDPOINT_ENABLED for $cluster in $region with the command and Terraform to close it', async ({ cluster, region, cidrs, open }) => {
    const outcome = await runProbe(endpointAccessProbe, {
      env: fakeEnv(),
      target: { cluster, region },
      data: { 'cluster.describe': clusterInfo({ name: cluster, endpointPublicAccess: true, publicAccessCidrs: cidrs }) },
    })
    expect(outcome).toMatchObject({ status: 'warn', code: 'PUBLIC_ENDPOINT_ENABLED' })
    expect(outcome.detail).toContain(`open to ${open}`)
    expect(outcome.evidence).toMatchObject({ endpointPublicAccess: true, publicAccessCidrs: cidrs })
    const fix = outcome.fixes?.[0]
    expect(fix?.category).toBe('cluster')
    expect(fix?.commands[0]).toBe(
      `aws eks update-cluster-config --name ${cluster} --region ${region} --resources-vpc-config endpointPrivateAccess=true,endpointPublicAccess=false`,
    )
    expect(fix?.commands).toContain(`aws eks wait cluster-active --name ${cluster} --region ${region}`)
    expect(fix?.terraform).toContain(`name = "${cluster}"`)
    // terraform fmt aligns the `=` of neighbouring attributes, hence any run of spaces.
    expect(fix?.terraform).toMatch(/endpoint_public_access\s+=\s+false/)
    expect(fix?.terraform).toMatch(/endpoint_private_access\s+=\s+true/)
  })

  it.each([
    { cluster: 'legacy-public', region: 'us-west-2' },
    { cluster: 'batch-eu', region: 'eu-central-1' },
  ])('fails PRIVATE_ENDPOINT_DISABLED for $cluster with the command to turn it on', async ({ cluster, region }) => {
    const outcome = await runProbe(endpointAccessProbe, {
      env: fakeEnv(),
      target: { cluster, region },
      data: { 'cluster.describe': clusterInfo({ name: cluster, endpointPrivateAccess: false, endpointPublicAccess: true }) },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'PRIVATE_ENDPOINT_DISABLED', category: 'cluster' })
    expect(outcome.detail).toContain(`${cluster} has its private endpoint turned off`)
    const command = outcome.fixes?.[0]?.commands[0]
    expect(command).toBe(`aws eks update-cluster-config --name ${cluster} --region ${region} --resources-vpc-config endpointPrivateAccess=true`)
    expect(outcome.fixes?.[0]?.terraform).toMatch(/endpoint_private_access\s+=\s+true/)
  })

  it('a DescribeCluster answer without the access fields is unknown: neither private-only nor public', async () => {
    const outcome = await runProbe(endpointAccessProbe, {
      env: fakeEnv(),
      target: { cluster: 'ledger-prod', region: 'eu-west-1' },
      data: { 'cluster.describe': clusterInfo({ name: 'ledger-prod', endpointPrivateAccess: undefined, endpointPublicAccess: undefined }) },
    })
    expect(outcome).toMatchObject({ status: 'skip', detail: 'DescribeCluster did not say endpointPrivateAccess or endpointPublicAccess for ledger-prod: the endpoint posture is unknown' })
    expect(outcome.evidence).toMatchObject({ endpointPrivateAccess: null, endpointPublicAccess: null })
  })

  it.each([
    [undefined, undefined, 'endpoint access not fully stated'],
    [true, undefined, 'endpoint access not fully stated (private endpoint on)'],
    [undefined, false, 'endpoint access not fully stated (public endpoint off)'],
    [true, false, 'private endpoint only'],
    [true, true, 'private and public endpoint'],
    [false, true, 'public endpoint only'],
    [false, false, 'no endpoint enabled'],
  ])('describes private %s / public %s as "%s"', (privateAccess, publicAccess, words) => {
    expect(describeEndpointAccess(privateAccess, publicAccess)).toBe(words)
  })
})
