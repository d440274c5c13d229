/**
 * AWS calls behind small typed functions, over small signed REST-JSON (EKS) and Query (EC2, STS,
 * IAM) clients; the SDK's credential chain is imported lazily and one provider per profile is
 * shared by every call. Every call has a time bound. Credentials follow the standard chain
 * (environment, AWS_PROFILE, SSO, assume-role, credential_process, metadata); endpoints honour
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.
 */
import type { FailureCode } from '../engine/types.js'
import { createEc2Calls, type Ec2Calls } from './ec2.js'
import { quietSdkNotices, SILENT_LOGGER } from './sdk-quiet.js'
import { createIdentityCalls, type IdentityCalls } from './identity.js'
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

export type AwsFailure = { ok: false; code: FailureCode; message: string; errorName?: string; action?: string; ms: number }
export type AwsResult<T> = { ok: true; value: T; ms: number } | AwsFailure

export interface AwsCallOptions {
  region: string
  profile?: string
  timeoutMs: number
  signal?: AbortSignal
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

const ACCESS_DENIED = /AccessDenied|UnauthorizedOperation|not authorized to perform/i
const EXPIRED_TOKEN = /ExpiredToken|security token included in the request is expired|Token is expired|token has expired/i
const SSO_EXPIRED = /SSO session .* (has )?expired|sso.*token|Error loading SSO Token|aws sso login|The SSO session associated with this profile/i
const CLOCK_SKEW = /RequestTimeTooSkewed|Signature expired|Signature not yet current|clock skew/i
const UNKNOWN_PROFILE = /Profile .* (could not be found|not found)|Could not resolve credentials using profile: \[(.+?)\]/i

export function classifyAwsError(error: unknown, action: string): Omit<AwsFailure, 'ok' | 'ms'> {
  const name = (error as { name?: string })?.name ?? 'Error'
  const message = ((error as { message?: string })?.message ?? String(error)).split('\n')[0] ?? ''
  const text = `${name} ${message}`
  if (CLOCK_SKEW.test(text)) return { code: 'AWS_CLOCK_SKEW', message, errorName: name, action }
  if (EXPIRED_TOKEN.test(text) && !SSO_EXPIRED.test(text)) return { code: 'AWS_EXPIRED_TOKEN', message, errorName: name, action }
  if (SSO_EXPIRED.test(text)) return { code: 'AWS_SSO_EXPIRED', message, errorName: name, action }
  if (UNKNOWN_PROFILE.test(message)) return { code: 'AWS_UNKNOWN_PROFILE', message, errorName: name, action }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return { code: 'AWS_NO_CREDENTIALS', message, errorName: name, action }
  }
  if (name === 'ResourceNotFoundException') return { code: 'CLUSTER_NOT_FOUND', message, errorName: name, action }
  if (ACCESS_DENIED.test(text)) return { code: 'AWS_ACCESS_DENIED', message, errorName: name, action }
  if (name === 'TimeoutError' || name === 'AbortError' || /timed? ?out|aborted/i.test(message)) {
    return { code: 'AWS_TIMEOUT', message: `${action} did not answer in time: ${message}`, errorName: name, action }
  }
  return { code: 'AWS_ERROR', message, errorName: name, action }
}

/** Shared machinery for the per-service call modules: credentials, bounds, error normalising. */
export interface AwsPlumbing {
  vars: Readonly<Record<string, string | undefined>>
  /** The shared, memoised credential provider of the profile the call uses. */
  credentials(o: AwsCallOptions): Promise<() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>>
  call<T>(action: string, o: AwsCallOptions, run: (signal: AbortSignal) => Promise<T>): Promise<AwsResult<T>>
}

export function createAwsPlumbing(vars: Readonly<Record<string, string | undefined>>): AwsPlumbing {
  const providers = new Map<string, Promise<unknown>>()

  function credentials(profile: string | undefined) {
    const key = profile ?? ''
    let provider = providers.get(key)
    if (!provider) {
      quietSdkNotices()
      provider = import('@aws-sdk/credential-providers').then(({ fromNodeProviderChain }) =>
        fromNodeProviderChain({ ...(profile ? { profile } : {}), logger: SILENT_LOGGER }),
      )
      providers.set(key, provider)
    }
    return provider
  }

  return {
    vars,
    credentials: (o) => credentials(o.profile ?? vars.AWS_PROFILE) as never,
    async call<T>(action: string, o: AwsCallOptions, run: (signal: AbortSignal) => Promise<T>): Promise<AwsResult<T>> {
      const started = performance.now()
      const signal = o.signal ? AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]) : AbortSignal.timeout(o.timeoutMs)
      try {
        const value = await run(signal)
        return { ok: true, value, ms: Math.round(performance.now() - started) }
      } catch (error) {
        return { ok: false, ...classifyAwsError(error, action), ms: Math.round(performance.now() - started) }
      }
    },
  }
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
