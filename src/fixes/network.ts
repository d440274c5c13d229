/** Fixes for a TCP path that does not complete, before AWS evidence settles which link drops it. */
import type { Alternative, Fix } from '../engine/types.js'

export function buildSettleWithAwsFix(cluster: string | undefined, region: string | undefined, profile?: string): Fix {
  return {
    category: 'security-group',
    title: 'Let eksdoctor read the AWS side to name the link that drops the SYN',
    why:
      'From the workstation a dropped SYN looks the same whether the cluster security group, a route table, the ' +
      'peering, a NACL or the VPN router drops it. With credentials allowed eks:DescribeCluster, ' +
      'ec2:DescribeSecurityGroups, ec2:DescribeRouteTables, ec2:DescribeVpcPeeringConnections and ' +
      'ec2:DescribeNetworkAcls, eksdoctor reads each and names the one at fault.',
    commands: cluster && region ? [`eksdoctor audit --cluster ${cluster} --region ${region}${profile ? ` --profile ${profile}` : ''}`] : [],
  }
}

export const TIMEOUT_ALTERNATIVES: Alternative[] = [
  { category: 'routing', summary: 'a route table of the endpoint subnets or of the VPN VPC lacks the route back, or the peering is not active' },
  { category: 'routing', summary: 'the VPN router does not forward: source/dest check on, IP forwarding off, or SNAT off while the security group allows only the VPN VPC CIDR' },
]
