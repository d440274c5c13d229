/**
 * AWS calls behind small typed functions. The SDK is imported lazily, on first use, and every
 * call has a time bound. Clients honour the standard chain: AWS_PROFILE, SSO, credential_process,
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.
 */
import type { FailureCode } from '../engine/types.js'

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

export type AwsResult<T> =
  | { ok: true; value: T; ms: number }
  | { ok: false; code: FailureCode; message: string; errorName?: string; action?: string; ms: number }

export interface AwsCallOptions {
  region: string
  profile?: string
  timeoutMs: number
  signal?: AbortSignal
}

export interface AwsClients {
  describeCluster(name: string, o: AwsCallOptions): Promise<AwsResult<ClusterInfo>>
  listClusters(o: AwsCallOptions): Promise<AwsResult<string[]>>
}

const ACCESS_DENIED = /AccessDenied|UnauthorizedOperation|not authorized/i

export function classifyAwsError(error: unknown, action: string): { code: FailureCode; message: string; errorName?: string; action?: string } {
  const name = (error as { name?: string })?.name ?? 'Error'
  const message = (error as { message?: string })?.message ?? String(error)
  if (name === 'CredentialsProviderError' || /Could not load credentials|credentials/i.test(name)) {
    return { code: 'AWS_NO_CREDENTIALS', message, errorName: name }
  }
  if (name === 'ResourceNotFoundException') return { code: 'CLUSTER_NOT_FOUND', message, errorName: name }
  if (ACCESS_DENIED.test(name) || ACCESS_DENIED.test(message)) return { code: 'AWS_ACCESS_DENIED', message, errorName: name, action }
  if (name === 'TimeoutError' || name === 'AbortError' || /timed? ?out/i.test(message)) {
    return { code: 'AWS_TIMEOUT', message: `${action} did not answer in time: ${message}`, errorName: name }
  }
  return { code: 'AWS_ERROR', message, errorName: name }
}

export function createAwsClients(vars: Readonly<Record<string, string | undefined>>): AwsClients {
  const cache = new Map<string, Promise<import('@aws-sdk/client-eks').EKSClient>>()

  function eksClient(o: AwsCallOptions) {
    const key = `${o.region}|${o.profile ?? ''}`
    let client = cache.get(key)
    if (!client) {
      client = (async () => {
        // The SDK's notice about its own future Node support is not the operator's problem.
        process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
        const [{ EKSClient }, { fromNodeProviderChain }] = await Promise.all([
          import('@aws-sdk/client-eks'),
          import('@aws-sdk/credential-providers'),
        ])
        const profile = o.profile ?? vars.AWS_PROFILE
        return new EKSClient({
          region: o.region,
          credentials: fromNodeProviderChain(profile ? { profile } : {}),
          maxAttempts: 2,
          requestHandler: { connectionTimeout: Math.min(o.timeoutMs, 3000), requestTimeout: o.timeoutMs },
        })
      })()
      cache.set(key, client)
    }
    return client
  }

  async function call<T>(action: string, o: AwsCallOptions, run: () => Promise<T>): Promise<AwsResult<T>> {
    const started = performance.now()
    try {
      const value = await run()
      return { ok: true, value, ms: Math.round(performance.now() - started) }
    } catch (error) {
      return { ok: false, ...classifyAwsError(error, action), ms: Math.round(performance.now() - started) }
    }
  }

  const abortSignal = (o: AwsCallOptions) =>
    o.signal ? AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]) : AbortSignal.timeout(o.timeoutMs)

  return {
    describeCluster: (name, o) =>
      call('eks:DescribeCluster', o, async () => {
        const { DescribeClusterCommand } = await import('@aws-sdk/client-eks')
        const client = await eksClient(o)
        const out = await client.send(new DescribeClusterCommand({ name }), { abortSignal: abortSignal(o) })
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
    listClusters: (o) =>
      call('eks:ListClusters', o, async () => {
        const { ListClustersCommand } = await import('@aws-sdk/client-eks')
        const client = await eksClient(o)
        const names: string[] = []
        let nextToken: string | undefined
        for (let page = 0; page < 20; page++) {
          const out = await client.send(new ListClustersCommand({ nextToken, maxResults: 100 }), { abortSignal: abortSignal(o) })
          names.push(...(out.clusters ?? []))
          nextToken = out.nextToken
          if (!nextToken) break
        }
        return names
      }),
  }
}
