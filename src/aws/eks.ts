/**
 * The EKS reads (DescribeCluster, ListClusters, access entries and their policies) through the
 * SDK's EKS client, every listing followed to its last page, each normalised into a small shape.
 */
import type { AwsCallOptions, AwsPlumbing, AwsResult } from './call.js'
import { collectPages } from './pages.js'
import { clientCache, sdkClientConfig } from './sdk-clients.js'

/** What DescribeCluster says, as the probes use it. */
export interface ClusterInfo {
  name: string
  arn?: string
  status?: string
  version?: string
  endpoint?: string
  caData?: string
  endpointPublicAccess?: boolean
  endpointPrivateAccess?: boolean
  publicAccessCidrs: string[]
  vpcId?: string
  subnetIds: string[]
  clusterSecurityGroupId?: string
  securityGroupIds: string[]
  authenticationMode?: string
}

/** An access entry and the access policies associated with it. */
export interface AccessEntryInfo {
  principalArn: string
  kubernetesGroups: string[]
  username?: string
  type?: string
  policies: { policyArn: string; scope: string; namespaces: string[] }[]
}

export interface EksCalls {
  describeCluster(name: string, o: AwsCallOptions): Promise<AwsResult<ClusterInfo>>
  listClusters(o: AwsCallOptions): Promise<AwsResult<string[]>>
  listAccessEntries(cluster: string, o: AwsCallOptions): Promise<AwsResult<string[]>>
  /** The entry with its policies; `undefined` when the principal has none. */
  describeAccessEntry(cluster: string, principalArn: string, o: AwsCallOptions): Promise<AwsResult<AccessEntryInfo | undefined>>
}

export function createEksCalls(aws: AwsPlumbing): EksCalls {
  const sdk = () => import('@aws-sdk/client-eks')
  const eks = clientCache(aws, async (o) => new (await sdk()).EKSClient(await sdkClientConfig(aws, 'EKS', o)))

  return {
    describeCluster: (name, o) =>
      aws.call('eks:DescribeCluster', o, async (abortSignal) => {
        const [client, { DescribeClusterCommand }] = await Promise.all([eks(o), sdk()])
        const c = (await client.send(new DescribeClusterCommand({ name }), { abortSignal })).cluster ?? {}
        const vpc = c.resourcesVpcConfig ?? {}
        return {
          name: c.name ?? name,
          arn: c.arn,
          status: c.status,
          version: c.version,
          endpoint: c.endpoint,
          caData: c.certificateAuthority?.data,
          endpointPublicAccess: vpc.endpointPublicAccess,
          endpointPrivateAccess: vpc.endpointPrivateAccess,
          publicAccessCidrs: vpc.publicAccessCidrs ?? [],
          vpcId: vpc.vpcId,
          subnetIds: vpc.subnetIds ?? [],
          clusterSecurityGroupId: vpc.clusterSecurityGroupId,
          securityGroupIds: vpc.securityGroupIds ?? [],
          authenticationMode: c.accessConfig?.authenticationMode,
        }
      }),

    listClusters: (o) =>
      aws.call('eks:ListClusters', o, async (abortSignal, page) => {
        const [client, { ListClustersCommand }] = await Promise.all([eks(o), sdk()])
        return collectPages(page, async (nextToken) => {
          const out = await client.send(new ListClustersCommand({ maxResults: 100, nextToken }), { abortSignal })
          return { items: out.clusters ?? [], next: out.nextToken }
        })
      }),

    listAccessEntries: (cluster, o) =>
      aws.call('eks:ListAccessEntries', o, async (abortSignal, page) => {
        const [client, { ListAccessEntriesCommand }] = await Promise.all([eks(o), sdk()])
        return collectPages(page, async (nextToken) => {
          const out = await client.send(new ListAccessEntriesCommand({ clusterName: cluster, maxResults: 100, nextToken }), { abortSignal })
          return { items: out.accessEntries ?? [], next: out.nextToken }
        })
      }),

    describeAccessEntry: async (cluster, principalArn, o) => {
      const result = await aws.call('eks:DescribeAccessEntry', o, async (abortSignal, page) => {
        const [client, { DescribeAccessEntryCommand, ListAssociatedAccessPoliciesCommand }] = await Promise.all([eks(o), sdk()])
        const [entry, policies] = await Promise.all([
          client.send(new DescribeAccessEntryCommand({ clusterName: cluster, principalArn }), { abortSignal }),
          collectPages(page, async (nextToken) => {
            const out = await client.send(new ListAssociatedAccessPoliciesCommand({ clusterName: cluster, principalArn, maxResults: 100, nextToken }), { abortSignal })
            return { items: out.associatedAccessPolicies ?? [], next: out.nextToken }
          }),
        ])
        const info: AccessEntryInfo = {
          principalArn: entry.accessEntry?.principalArn ?? principalArn,
          kubernetesGroups: entry.accessEntry?.kubernetesGroups ?? [],
          username: entry.accessEntry?.username,
          type: entry.accessEntry?.type,
          policies: policies.map((p) => ({
            policyArn: p.policyArn ?? '',
            scope: p.accessScope?.type ?? 'cluster',
            namespaces: p.accessScope?.namespaces ?? [],
          })),
        }
        return info as AccessEntryInfo | undefined
      })
      // No entry for the principal is an answer, not a failure.
      if (!result.ok && result.code === 'CLUSTER_NOT_FOUND' && /access entry|principal/i.test(result.message)) return { ok: true, value: undefined, ms: result.ms }
      return result
    },
  }
}
