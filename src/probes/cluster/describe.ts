/**
 * cluster.describe — the cluster as AWS sees it (eks:DescribeCluster), when AWS is reachable.
 * Evidence: status, version, endpoint, public/private access, publicAccessCidrs, VPC, subnets, SGs.
 * Fix: the closest real cluster names on a typo. Without credentials it is skipped when the
 * endpoint is known from elsewhere, and fails as credentials when it is the only source.
 */
import type { AwsResult, ClusterInfo } from '../../aws/clients.js'
import { defineProbe, type ProbeOutcome } from '../../engine/types.js'
import { buildClusterNameFix } from '../../fixes/cluster.js'
import { buildAccessDeniedFix, buildNoCredentialsFix } from '../../fixes/credentials.js'
import { closestNames } from '../../util/closest.js'

declare module '../../engine/types.js' {
  interface ProbeData {
    'cluster.describe': ClusterInfo
  }
}

function awsFailure(ctx: { target: { endpoint?: string; profile?: string } }, result: Extract<AwsResult<unknown>, { ok: false }>): ProbeOutcome<ClusterInfo> {
  const evidence = { error: result.errorName ?? result.code, message: result.message }
  const reason =
    result.code === 'AWS_NO_CREDENTIALS'
      ? `no usable AWS credentials (${result.message.split('\n')[0]})`
      : result.code === 'AWS_ACCESS_DENIED'
        ? `these credentials may not call ${result.action ?? 'eks:DescribeCluster'}`
        : `DescribeCluster failed: ${result.message.split('\n')[0]}`
  if (ctx.target.endpoint) {
    return { status: 'skip', detail: `${reason}; checking the endpoint without AWS`, code: result.code, evidence }
  }
  return {
    status: 'fail',
    code: result.code,
    category: result.code === 'AWS_ERROR' || result.code === 'AWS_TIMEOUT' ? 'cluster' : 'credentials',
    confirmed: result.code !== 'AWS_TIMEOUT',
    detail: `${reason}, and nothing else says where the endpoint is`,
    evidence,
    fixes:
      result.code === 'AWS_NO_CREDENTIALS'
        ? [buildNoCredentialsFix(ctx.target.profile)]
        : result.code === 'AWS_ACCESS_DENIED'
          ? [buildAccessDeniedFix(result.action ?? 'eks:DescribeCluster')]
          : [],
  }
}

export const describeProbe = defineProbe({
  id: 'cluster.describe',
  layer: 'cluster',
  title: 'Cluster as AWS describes it',
  needs: ['credentials.identity'],
  timeoutMs: 12_000,
  applies: (target) =>
    target.cluster && target.region ? true : target.cluster ? 'no region for the cluster' : 'no cluster name: checking a bare endpoint',
  async run(ctx) {
    const cluster = ctx.target.cluster as string
    const region = ctx.target.region as string
    const call = { region, profile: ctx.target.profile, timeoutMs: 8000, signal: ctx.signal }
    const result = await ctx.env.aws.describeCluster(cluster, call)
    if (!result.ok) {
      if (result.code !== 'CLUSTER_NOT_FOUND') return awsFailure(ctx, result)
      const listed = await ctx.env.aws.listClusters(call)
      const names = listed.ok ? listed.value : []
      const near = closestNames(cluster, names)
      return {
        status: 'fail',
        code: 'CLUSTER_NOT_FOUND',
        category: 'cluster',
        detail: `no cluster "${cluster}" in ${region}${near.length ? `; did you mean ${near.join(' or ')}?` : listed.ok ? ` (${names.length} clusters there)` : ''}`,
        evidence: { clustersInRegion: listed.ok ? names : null, suggestions: near },
        fixes: [buildClusterNameFix(cluster, near, region, ctx.target.profile)],
      }
    }
    const info = result.value
    const access = describeEndpointAccess(info.endpointPrivateAccess, info.endpointPublicAccess)
    const evidence = {
      arn: info.arn ?? null,
      status: info.status ?? null,
      version: info.version ?? null,
      endpoint: info.endpoint ?? null,
      endpointPrivateAccess: info.endpointPrivateAccess ?? null,
      endpointPublicAccess: info.endpointPublicAccess ?? null,
      publicAccessCidrs: info.publicAccessCidrs,
      vpcId: info.vpcId ?? null,
      subnetIds: info.subnetIds,
      clusterSecurityGroupId: info.clusterSecurityGroupId ?? null,
      securityGroupIds: info.securityGroupIds,
      authenticationMode: info.authenticationMode ?? null,
    }
    if (info.status && info.status !== 'ACTIVE' && info.status !== 'UPDATING') {
      return {
        status: 'fail',
        code: 'CLUSTER_NOT_ACTIVE',
        category: 'cluster',
        detail: `cluster ${cluster} is ${info.status}, not ACTIVE`,
        evidence,
        data: info,
        fixes: [
          {
            category: 'cluster',
            title: `Wait for ${cluster} to become ACTIVE, or look at why it is ${info.status}`,
            why: 'The API server only answers while the cluster is ACTIVE (or UPDATING).',
            commands: [
              `aws eks describe-cluster --name ${cluster} --region ${region} --query 'cluster.{status:status,health:health}'`,
              `aws eks wait cluster-active --name ${cluster} --region ${region}`,
            ],
          },
        ],
      }
    }
    return {
      status: 'pass',
      detail: `${cluster} is ${info.status ?? 'known'}${info.version ? `, Kubernetes ${info.version}` : ''}, ${access}`,
      evidence,
      data: info,
    }
  },
})

/** The endpoint posture in words; a field DescribeCluster left out is unknown, never false. */
export function describeEndpointAccess(privateAccess: boolean | undefined, publicAccess: boolean | undefined): string {
  if (privateAccess === undefined || publicAccess === undefined) {
    const known = [privateAccess === undefined ? '' : `private endpoint ${privateAccess ? 'on' : 'off'}`, publicAccess === undefined ? '' : `public endpoint ${publicAccess ? 'on' : 'off'}`].filter(Boolean)
    return `endpoint access not fully stated${known.length ? ` (${known.join(', ')})` : ''}`
  }
  if (privateAccess) return publicAccess ? 'private and public endpoint' : 'private endpoint only'
  return publicAccess ? 'public endpoint only' : 'no endpoint enabled'
}
