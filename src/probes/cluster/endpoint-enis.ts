/**
 * cluster.endpoint-enis — the control plane's network interfaces in the cluster VPC
 * (description "Amazon EKS <cluster>"): the real endpoint IPs and the subnets they sit in.
 * Evidence: each ENI with its IP, subnet and zone. The dns layer uses the IPs to tell stale answers.
 * Fix: none; no ENI at all means the private endpoint has nothing to answer with.
 */
import type { EniInfo } from '../../aws/ec2.js'
import { defineProbe } from '../../engine/types.js'
import { awsCallOptions, awsSkip } from '../aws-call.js'

/** The endpoint's ENIs and their IPs. */
export interface EndpointEnis {
  enis: EniInfo[]
  ips: string[]
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'cluster.endpoint-enis': EndpointEnis
  }
}

export const endpointEnisProbe = defineProbe({
  id: 'cluster.endpoint-enis',
  layer: 'cluster',
  title: 'Endpoint network interfaces in the VPC',
  needs: ['cluster.describe'],
  async run(ctx) {
    const cluster = ctx.need('cluster.describe')
    if (!cluster.vpcId) return { status: 'skip', detail: 'DescribeCluster named no VPC' }
    const result = await ctx.env.aws.describeEndpointEnis(cluster.name, awsCallOptions(ctx))
    if (!result.ok) return awsSkip(result)
    const enis = result.value.filter((eni) => eni.vpcId === cluster.vpcId)
    // A dual-stack endpoint answers on both families; both are the endpoint's.
    const ips = enis.flatMap((eni) => [...eni.privateIps, ...(eni.ipv6Ips ?? [])])
    const evidence = { enis: enis.map((e) => ({ id: e.id, ips: [...e.privateIps, ...(e.ipv6Ips ?? [])], subnetId: e.subnetId, az: e.az ?? null })) }
    if (enis.length === 0) {
      return {
        status: cluster.endpointPrivateAccess ? 'warn' : 'pass',
        detail: `no network interface described "Amazon EKS ${cluster.name}" in ${cluster.vpcId}${cluster.endpointPrivateAccess ? ': the private endpoint has no address to answer on' : ''}`,
        evidence,
        data: { enis, ips },
      }
    }
    return {
      status: 'pass',
      detail: enis.map((e) => `${[...e.privateIps, ...(e.ipv6Ips ?? [])].join(', ')} in ${e.subnetId}${e.az ? ` (${e.az})` : ''}`).join('; '),
      evidence,
      data: { enis, ips },
    }
  },
})
