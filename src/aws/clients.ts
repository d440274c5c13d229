/**
 * AWS calls behind small typed functions, over small signed REST-JSON (EKS) and Query (EC2, STS,
 * IAM) clients; the SDK's credential chain is imported lazily and one provider per profile is
 * shared by every call. Every call has a time bound. Credentials follow the standard chain
 * (environment, AWS_PROFILE, SSO, assume-role, credential_process, metadata); endpoints honour
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.
 */
import { createEc2Calls, type Ec2Calls } from './ec2.js'
import { createAwsPlumbing, type AwsCallOptions, type AwsResult } from './call.js'
import { createIdentityCalls, type IdentityCalls } from './identity.js'
export type { AwsCallOptions, AwsFailure, AwsPlumbing, AwsResult } from './call.js'
export { classifyAwsError } from './call.js'
import { createEksRestClient, type RestJsonClient } from './rest-json-client.js'

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

export interface AwsClients extends Ec2Calls, IdentityCalls {
  describeCluster(name: string, o: AwsCallOptions): Promise<AwsResult<ClusterInfo>>
  listClusters(o: AwsCallOptions): Promise<AwsResult<string[]>>
  listAccessEntries(cluster: string, o: AwsCallOptions): Promise<AwsResult<string[]>>
  /** The entry with its policies; `undefined` when the principal has none. */
  describeAccessEntry(cluster: string, principalArn: string, o: AwsCallOptions): Promise<AwsResult<AccessEntryInfo | undefined>>
  /** An EKS token signed with the profile's credentials (and --role-arn's role). */
  eksToken(cluster: string, o: AwsCallOptions & { roleArn?: string }): Promise<AwsResult<{ token: string; expiresAt: Date }>>
}

export function createAwsClients(vars: Readonly<Record<string, string | undefined>>): AwsClients {
  const aws = createAwsPlumbing(vars)
  const clients = new Map<string, Promise<RestJsonClient>>()
  const eks = (o: AwsCallOptions): Promise<RestJsonClient> => {
    const key = `${o.region}|${o.profile ?? vars.AWS_PROFILE ?? ''}`
    let client = clients.get(key)
    if (!client) {
      client = aws.credentials(o).then((credentials) => createEksRestClient({ region: o.region, credentials, vars }))
      clients.set(key, client)
    }
    return client
  }
  const enc = encodeURIComponent
  type Cluster = {
    name?: string
    arn?: string
    status?: string
    version?: string
    endpoint?: string
    certificateAuthority?: { data?: string }
    resourcesVpcConfig?: {
      subnetIds?: string[]
      securityGroupIds?: string[]
      clusterSecurityGroupId?: string
      vpcId?: string
      endpointPublicAccess?: boolean
      endpointPrivateAccess?: boolean
      publicAccessCidrs?: string[]
    }
    accessConfig?: { authenticationMode?: string }
  }
  return {
    ...createEc2Calls(aws),
    ...createIdentityCalls(aws),
    describeCluster: (name, o) =>
      aws.call('eks:DescribeCluster', o, async (signal) => {
        const out = await (await eks(o)).get<{ cluster?: Cluster }>(`/clusters/${enc(name)}`, {}, signal)
        const c = out.cluster ?? {}
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
    listAccessEntries: (cluster, o) =>
      aws.call('eks:ListAccessEntries', o, async (signal) => {
        const client = await eks(o)
        const arns: string[] = []
        let nextToken: string | undefined
        for (let page = 0; page < 20; page++) {
          const out = await client.get<{ accessEntries?: string[]; nextToken?: string }>(`/clusters/${enc(cluster)}/access-entries`, { nextToken }, signal)
          arns.push(...(out.accessEntries ?? []))
          nextToken = out.nextToken
          if (!nextToken) break
        }
        return arns
      }),
    describeAccessEntry: async (cluster, principalArn, o) => {
      const result = await aws.call('eks:DescribeAccessEntry', o, async (signal) => {
        const client = await eks(o)
        const base = `/clusters/${enc(cluster)}/access-entries/${enc(principalArn)}`
        const [entry, policies] = await Promise.all([
          client.get<{ accessEntry?: { principalArn?: string; kubernetesGroups?: string[]; username?: string; type?: string } }>(base, {}, signal),
          client.get<{ associatedAccessPolicies?: { policyArn?: string; accessScope?: { type?: string; namespaces?: string[] } }[] }>(`${base}/access-policies`, {}, signal),
        ])
        return {
          principalArn: entry.accessEntry?.principalArn ?? principalArn,
          kubernetesGroups: entry.accessEntry?.kubernetesGroups ?? [],
          username: entry.accessEntry?.username,
          type: entry.accessEntry?.type,
          policies: (policies.associatedAccessPolicies ?? []).map((p) => ({
            policyArn: p.policyArn ?? '',
            scope: p.accessScope?.type ?? 'cluster',
            namespaces: p.accessScope?.namespaces ?? [],
          })),
        } as AccessEntryInfo | undefined
      })
      // No entry for the principal is an answer, not a failure.
      if (!result.ok && result.code === 'CLUSTER_NOT_FOUND' && /access entry|principal/i.test(result.message)) return { ok: true, value: undefined, ms: result.ms }
      return result
    },
    eksToken: (cluster, o) =>
      aws.call('sts:GetCallerIdentity (presigned)', o, async () => {
        const { buildEksToken } = await import('./eks-token.js')
        const provider = await aws.credentials(o)
        let credentials = await provider()
        if (o.roleArn) {
          const { fromTemporaryCredentials } = await import('@aws-sdk/credential-providers')
          credentials = await fromTemporaryCredentials({
            masterCredentials: provider,
            params: { RoleArn: o.roleArn, RoleSessionName: 'EKSGetTokenAuth' },
            clientConfig: { region: o.region },
          })()
        }
        return buildEksToken({ cluster, region: o.region, credentials })
      }),
    listClusters: (o) =>
      aws.call('eks:ListClusters', o, async (signal) => {
        const client = await eks(o)
        const names: string[] = []
        let nextToken: string | undefined
        for (let page = 0; page < 20; page++) {
          const out = await client.get<{ clusters?: string[]; nextToken?: string }>('/clusters', { maxResults: '100', nextToken }, signal)
          names.push(...(out.clusters ?? []))
          nextToken = out.nextToken
          if (!nextToken) break
        }
        return names
      }),
  }
}
