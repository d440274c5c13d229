/** Fixes for the cluster's own settings, from DescribeCluster evidence. */
import type { Fix } from '../engine/types.js'
import { hcl, resource } from './hcl.js'

export function buildPrivateOnlyFix(cluster: string, region: string, privateAccess: boolean): Fix {
  return {
    category: 'cluster',
    title: privateAccess ? `Turn off the public endpoint of ${cluster}` : `Turn on the private endpoint of ${cluster}`,
    why: privateAccess
      ? 'The API is also reachable from the internet (within publicAccessCidrs); a private-only cluster is reached over the VPN alone.'
      : 'Without the private endpoint there are no endpoint IPs in the VPC for the VPN to reach.',
    commands: [
      `aws eks update-cluster-config --name ${cluster} --region ${region} --resources-vpc-config endpointPrivateAccess=true${privateAccess ? ',endpointPublicAccess=false' : ''}`,
      `aws eks wait cluster-active --name ${cluster} --region ${region}`,
    ],
    terraform: hcl(
      resource('aws_eks_cluster', 'this', [
        ['name', cluster],
        null,
        { type: 'vpc_config', body: [['endpoint_private_access', true], ...(privateAccess ? [['endpoint_public_access', false] as const] : [])] },
      ]),
    ),
    docs: 'https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html',
  }
}

export function buildClusterNameFix(typed: string, suggestions: string[], region: string, profile?: string): Fix {
  const withProfile = profile ? ` --profile ${profile}` : ''
  return {
    category: 'cluster',
    title: suggestions.length ? `Use the cluster's real name: ${suggestions[0]}` : `Find the cluster's name in ${region}`,
    why: `No cluster named "${typed}" exists in ${region} for these credentials.`,
    commands: suggestions.length
      ? suggestions.map((name) => `eksdoctor check --cluster ${name} --region ${region}${withProfile}`)
      : [`aws eks list-clusters --region ${region}${withProfile}`],
  }
}

export function buildVpcDnsFix(vpcId: string, region: string, missing: string[]): Fix {
  return {
    category: 'dns',
    title: `Turn on ${missing.join(' and ')} for ${vpcId}`,
    why: 'The EKS private endpoint is served by a Route 53 private hosted zone that only works when the VPC has DNS support and DNS hostnames on, and uses AmazonProvidedDNS.',
    commands: missing.map((attr) => `aws ec2 modify-vpc-attribute --vpc-id ${vpcId} --${attr.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} '{"Value":true}' --region ${region}`),
    terraform: hcl(
      resource('aws_vpc', 'eks', [
        { comment: `the existing VPC ${vpcId}` },
        ['enable_dns_support', true],
        ['enable_dns_hostnames', true],
      ]),
    ),
  }
}
