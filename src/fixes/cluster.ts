/** Fixes for the cluster's own settings, from DescribeCluster evidence. */
import type { Fix } from '../engine/types.js'

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
    terraform: [
      'resource "aws_eks_cluster" "this" {',
      `  name = "${cluster}"`,
      '  vpc_config {',
      '    endpoint_private_access = true',
      ...(privateAccess ? ['    endpoint_public_access  = false'] : []),
      '  }',
      '}',
    ].join('\n'),
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
