/**
 * cluster.vpc — the cluster VPC's CIDRs and its DNS settings: enableDnsSupport and
 * enableDnsHostnames on, DHCP options with AmazonProvidedDNS, as the private endpoint needs.
 * Evidence: CIDRs, both attributes, the DHCP name servers.
 * Fix: modify-vpc-attribute, and the Terraform aws_vpc settings.
 */
import { defineProbe } from '../../engine/types.js'
import { buildVpcDnsFix } from '../../fixes/cluster.js'
import { awsCallOptions, awsSkip } from '../aws-call.js'

/** The cluster VPC as later checks use it. */
export interface ClusterVpc {
  vpcId: string
  cidrs: string[]
  /** A dual-stack VPC's IPv6 blocks: its addresses are globally unique, not private, yet the VPC's. */
  ipv6Cidrs?: string[]
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'cluster.vpc': ClusterVpc
  }
}

export const vpcProbe = defineProbe({
  id: 'cluster.vpc',
  layer: 'cluster',
  title: 'Cluster VPC and its DNS settings',
  needs: ['cluster.describe'],
  applies: () => true,
  async run(ctx) {
    const cluster = ctx.need('cluster.describe')
    if (!cluster.vpcId) return { status: 'skip', detail: 'DescribeCluster named no VPC' }
    const result = await ctx.env.aws.describeVpcs([cluster.vpcId], { ...awsCallOptions(ctx), attributes: true })
    if (!result.ok) return awsSkip(result)
    const vpc = result.value[0]
    if (!vpc) return { status: 'skip', detail: `${cluster.vpcId} is not visible to these credentials` }
    const ipv6 = vpc.ipv6Cidrs ?? []
    const data = { vpcId: vpc.id, cidrs: vpc.cidrs, ...(ipv6.length ? { ipv6Cidrs: ipv6 } : {}) }
    const evidence = {
      vpcId: vpc.id,
      cidrs: vpc.cidrs,
      ...(ipv6.length ? { ipv6Cidrs: ipv6 } : {}),
      enableDnsSupport: vpc.enableDnsSupport ?? null,
      enableDnsHostnames: vpc.enableDnsHostnames ?? null,
      dhcpOptionsId: vpc.dhcpOptionsId ?? null,
      dnsServers: vpc.dnsServers ?? null,
    }
    const missing = [
      ...(vpc.enableDnsSupport === false ? ['enableDnsSupport'] : []),
      ...(vpc.enableDnsHostnames === false ? ['enableDnsHostnames'] : []),
    ]
    const customDns = vpc.dnsServers && !vpc.dnsServers.includes('AmazonProvidedDNS')
    if (missing.length === 0 && !customDns) {
      return { status: 'pass', detail: `${vpc.id} ${[...vpc.cidrs, ...ipv6].join(', ')}, DNS support and hostnames on, AmazonProvidedDNS`, evidence, data }
    }
    const problems = [
      ...missing.map((m) => `${m} is off`),
      ...(customDns ? [`its DHCP options name ${vpc.dnsServers?.join(', ')} instead of AmazonProvidedDNS`] : []),
    ]
    // In the operator's check, public DNS still answers with the private IPs; in the audit it is a defect.
    const audit = ctx.options.mode === 'audit'
    return {
      status: audit ? 'fail' : 'warn',
      category: 'dns',
      detail: `${vpc.id}: ${problems.join('; ')}: inside the VPC the private endpoint name will not resolve`,
      evidence,
      data,
      fixes: missing.length ? [buildVpcDnsFix(vpc.id, ctx.target.region ?? '', missing)] : [],
    }
  },
})
