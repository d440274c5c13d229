/**
 * kubeconfig.context — the user's kubeconfig context against what is true: server URL against
 * DescribeCluster's endpoint (a recreated cluster leaves a stale one), the CA against the
 * cluster's, the exec apiVersion (v1alpha1 is refused by kubectl 1.24+), the exec command on
 * PATH (and an AWS CLI too old to answer v1beta1), and the cluster name and region it signs for.
 * Evidence: each comparison. Fix: the exact `eksdoctor kubeconfig` / `aws eks update-kubeconfig`.
 */
import { defineProbe, type Fix } from '../../engine/types.js'
import { buildRewriteEntryFix, buildUpgradeAwsCliFix } from '../../fixes/kubeconfig.js'

const ACCEPTED_EXEC = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']

function normaliseUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`
  } catch {
    return url
  }
}

function normalisePem(pem: string): string {
  return pem.replace(/\s+/g, '')
}

/** AWS CLI v1 before 1.24.0 and v2 before 2.7.0 answer get-token in v1alpha1. */
export function awsCliTooOld(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return major === 1 ? minor < 24 : major === 2 ? minor < 7 : false
}

export const contextProbe = defineProbe({
  id: 'kubeconfig.context',
  layer: 'kubeconfig',
  title: 'Your kubeconfig context matches the cluster',
  uses: ['cluster.describe', 'env.tools'],
  applies: (target) => (target.context ? true : 'no kubeconfig context in use'),
  async run(ctx) {
    const t = ctx.target
    const cluster = ctx.get('cluster.describe')
    const problems: string[] = []
    const fixes: Fix[] = []
    const evidence: Record<string, string | boolean | null> = {
      context: t.context ?? null,
      file: t.kubeconfigPath ?? null,
      server: t.endpoint ?? null,
      execApiVersion: t.exec?.apiVersion ?? null,
      execCommand: t.exec?.command ?? null,
    }
    if (cluster?.endpoint && t.endpoint && normaliseUrl(cluster.endpoint) !== normaliseUrl(t.endpoint)) {
      problems.push(`its server ${t.endpoint} is not the cluster's endpoint ${cluster.endpoint} (the cluster was recreated, or the context points at another one)`)
      evidence.clusterEndpoint = cluster.endpoint
    }
    if (cluster?.caData && t.caPem && normalisePem(Buffer.from(cluster.caData, 'base64').toString('utf8')) !== normalisePem(t.caPem)) {
      problems.push(`its certificate-authority is not the cluster's CA`)
      evidence.caMatches = false
    }
    const exec = t.exec
    if (exec) {
      if (exec.apiVersion && !ACCEPTED_EXEC.includes(exec.apiVersion)) {
        problems.push(`its exec entry uses ${exec.apiVersion}, which kubectl 1.24+ refuses (exec plugin: invalid apiVersion)`)
      }
      const onPath = exec.command.includes('/') || exec.command.includes('\\') ? await ctx.env.fs.stat(exec.command) : await ctx.env.which(exec.command)
      evidence.execCommandFound = Boolean(onPath)
      if (!onPath) problems.push(`its exec command "${exec.command}" is not on PATH`)
      const aws = ctx.get('env.tools')?.aws
      if (exec.kind === 'aws-cli' && aws?.version && awsCliTooOld(aws.version)) {
        problems.push(`the aws on PATH (${aws.version}) answers get-token in v1alpha1, which kubectl refuses`)
        fixes.push(buildUpgradeAwsCliFix(aws.version))
      }
      if (cluster && exec.cluster && exec.cluster !== cluster.name) {
        problems.push(`its exec entry signs tokens for cluster "${exec.cluster}", not "${cluster.name}": the API server will answer 401`)
      }
      if (exec.region && t.region && cluster?.arn && !cluster.arn.includes(`:${exec.region}:`)) {
        problems.push(`its exec entry signs in region ${exec.region}, but the cluster is in ${cluster.arn.split(':')[3]}`)
      }
      evidence.execCluster = exec.cluster ?? null
      evidence.execRegion = exec.region ?? null
      evidence.execProfile = exec.profile ?? null
      evidence.execRoleArn = exec.roleArn ?? null
    }
    if (problems.length === 0) {
      return {
        status: 'pass',
        detail: `${t.context}: ${cluster ? 'server, CA and ' : ''}exec entry ${exec ? `(${exec.command}, ${exec.apiVersion ?? 'no apiVersion'})` : '(none: static credentials)'} ${cluster ? 'match the cluster' : 'look right (no AWS to compare with)'}`,
        evidence,
      }
    }
    fixes.unshift(
      buildRewriteEntryFix({
        cluster: cluster?.name ?? t.cluster,
        region: t.region,
        profile: exec?.profile ?? t.profile,
        context: t.context,
        why: `The context ${t.context} in ${t.kubeconfigPath}: ${problems.join('; ')}.`,
      }),
    )
    return { status: 'fail', code: 'KUBECONFIG_MISMATCH', category: 'kubeconfig', detail: `context ${t.context}: ${problems.join('; ')}`, evidence, fixes }
  },
})
