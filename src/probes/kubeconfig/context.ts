/**
 * kubeconfig.context — the user's kubeconfig against what is true, in every mode: the context in
 * use, or (with --cluster) every context of the merged kubeconfig that targets the cluster (by
 * its cluster ARN, the cluster its exec entry signs for, or its server). Each is checked: server
 * URL against DescribeCluster's endpoint (a recreated cluster leaves a stale one), the CA against
 * the cluster's, the exec apiVersion (v1alpha1 is refused by kubectl 1.24+), the exec command on
 * PATH (and an AWS CLI too old to answer v1beta1), and the cluster name and region it signs for
 * (the profile it signs with, the shape of its command and its output format have probes of their own).
 * Evidence: each context with how it was found and what is wrong with it.
 * Fix: the exact `eksdoctor kubeconfig` / `aws eks update-kubeconfig`, or the command that writes
 * a context when there is none.
 */
import type { ClusterInfo } from '../../aws/clients.js'
import { defineProbe, type Fix, type ProbeContext, type Target } from '../../engine/types.js'
import { buildRewriteEntryFix, buildUpgradeAwsCliFix, buildWriteEntryFix } from '../../fixes/kubeconfig.js'
import { readContext, targetsCluster, type ContextInfo } from '../../kube/contexts.js'
import { isPathCommand } from '../../kube/exec-entries.js'
import { loadKubeconfig } from '../../kube/kubeconfig.js'

/** A context that targets the cluster, and what is wrong with it. */
export type ContextVerdict = {
  name: string
  file: string
  foundBy: string
  current: boolean
  problems: string[]
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'kubeconfig.context': ContextVerdict[]
  }
}

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

/** The context in use, as the target resolved it. */
function contextOfTarget(t: Target): ContextInfo {
  return {
    name: t.context ?? '',
    file: t.kubeconfigPath ?? '',
    ...(t.endpoint ? { server: t.endpoint } : {}),
    ...(t.caPem ? { caPem: t.caPem, caSource: t.caSource } : {}),
    ...(t.proxyUrl ? { proxyUrl: t.proxyUrl } : {}),
    ...(t.exec ? { exec: t.exec } : {}),
  }
}

interface Judged {
  problems: string[]
  fixes: Fix[]
}

async function judgeContext(
  ctx: ProbeContext<never, 'cluster.describe' | 'env.tools'>,
  info: ContextInfo,
  cluster: ClusterInfo | undefined,
): Promise<Judged> {
  const problems: string[] = []
  const fixes: Fix[] = []
  if (cluster?.endpoint && info.server && normaliseUrl(cluster.endpoint) !== normaliseUrl(info.server)) {
    problems.push(`its server ${info.server} is not the cluster's endpoint ${cluster.endpoint} (the cluster was recreated, or the context points at another one)`)
  }
  if (info.caError) problems.push(`its ${info.caError}`)
  else if (cluster?.caData && info.caPem && normalisePem(Buffer.from(cluster.caData, 'base64').toString('utf8')) !== normalisePem(info.caPem)) {
    problems.push("its certificate-authority is not the cluster's CA")
  }
  const exec = info.exec
  if (!exec) return { problems, fixes }
  if (exec.apiVersion && !ACCEPTED_EXEC.includes(exec.apiVersion)) {
    problems.push(`its exec entry uses ${exec.apiVersion}, which kubectl 1.24+ refuses (exec plugin: invalid apiVersion)`)
  }
  const onPath = isPathCommand(exec.command) ? await ctx.env.fs.stat(exec.command) : await ctx.env.which(exec.command)
  // A whole command line in `command` is kubeconfig.exec-command's finding, with the split it needs.
  if (!onPath && !/\s/.test(exec.command.trim())) problems.push(`its exec command "${exec.command}" is not on PATH`)
  const aws = ctx.get('env.tools')?.aws
  if (exec.kind === 'aws-cli' && aws?.version && awsCliTooOld(aws.version)) {
    problems.push(`the aws on PATH (${aws.version}) answers get-token in v1alpha1, which kubectl refuses`)
    fixes.push(buildUpgradeAwsCliFix(aws.version))
  }
  if (cluster && exec.cluster && exec.cluster !== cluster.name) {
    problems.push(`its exec entry signs tokens for cluster "${exec.cluster}", not "${cluster.name}": the API server will answer 401`)
  }
  const clusterRegion = cluster?.arn?.split(':')[3]
  if (exec.region && clusterRegion && exec.region !== clusterRegion) {
    problems.push(`its exec entry signs in region ${exec.region}, but the cluster is in ${clusterRegion}`)
  }
  // The profile it signs with, and its SSO session, are kubeconfig.exec-profile's.
  return { problems, fixes }
}

export const contextProbe = defineProbe({
  id: 'kubeconfig.context',
  layer: 'kubeconfig',
  title: 'Your kubeconfig context matches the cluster',
  uses: ['cluster.describe', 'env.tools'],
  applies: (target) => (target.context || (target.cluster && target.region && target.sources.endpoint !== '--endpoint') ? true : 'no kubeconfig context and no cluster to find one for'),
  async run(ctx) {
    const t = ctx.target
    const cluster = ctx.get('cluster.describe')
    const found: (ContextInfo & { foundBy: string; current: boolean })[] = []
    if (t.context) found.push({ ...contextOfTarget(t), foundBy: t.sources.context ?? 'current-context', current: true })
    else if (!cluster) return { status: 'skip', detail: `not run: without the cluster as AWS describes it, no context can be checked against it` }
    else {
      const name = cluster.name
      const region = t.region ?? ''
      let view
      try {
        view = await loadKubeconfig({ vars: ctx.env.vars, homedir: ctx.env.fs.homedir(), readText: ctx.env.fs.readText, platform: ctx.env.platform })
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error)
        if (/^no kubeconfig found/.test(why)) {
          return { status: 'warn', code: 'KUBECONFIG_MISSING', detail: `no kubeconfig: kubectl has no context for ${name}`, evidence: { error: why }, fixes: [buildWriteEntryFix({ cluster: name, region, profile: t.profile })] }
        }
        return { status: 'fail', code: 'KUBECONFIG_MISMATCH', category: 'kubeconfig', detail: `kubectl cannot load the kubeconfig: ${why}`, evidence: { error: why } }
      }
      for (const contextName of view.contexts.keys()) {
        const info = await readContext(view, contextName, ctx.env.fs.readText)
        const foundBy = info && targetsCluster(info, { name, region, endpoint: cluster.endpoint })
        if (info && foundBy) found.push({ ...info, foundBy, current: contextName === view.currentContext })
      }
      if (found.length === 0) {
        return {
          status: 'warn',
          code: 'KUBECONFIG_MISSING',
          detail: `no context in ${view.files.join(', ')} targets ${name} in ${region}: kubectl cannot reach it until one is written`,
          evidence: { files: view.files },
          data: [],
          fixes: [buildWriteEntryFix({ cluster: name, region, profile: t.profile })],
        }
      }
    }
    const judged = await Promise.all(found.map(async (info) => ({ info, ...(await judgeContext(ctx, info, cluster)) })))
    const data: ContextVerdict[] = judged.map(({ info, problems }) => ({ name: info.name, file: info.file, foundBy: info.foundBy, current: info.current, problems }))
    const evidence = {
      contexts: judged.map(({ info, problems }) => ({
        context: info.name,
        file: info.file,
        foundBy: info.foundBy,
        current: info.current,
        server: info.server ?? null,
        execCommand: info.exec?.command ?? null,
        execApiVersion: info.exec?.apiVersion ?? null,
        execCluster: info.exec?.cluster ?? null,
        execRegion: info.exec?.region ?? null,
        execProfile: info.exec?.profile ?? null,
        problems,
      })),
    }
    const broken = judged.filter((j) => j.problems.length > 0)
    if (broken.length === 0) {
      const names = judged.map((j) => j.info.name).join(', ')
      const exec = judged[0]?.info.exec
      return {
        status: 'pass',
        detail: t.context
          ? `${names}: ${cluster ? 'server, CA and ' : ''}exec entry ${exec ? `(${exec.command}, ${exec.apiVersion ?? 'no apiVersion'})` : '(none: static credentials)'} ${cluster ? 'match the cluster' : 'look right (no AWS to compare with)'}`
          : `${names} ${judged.length > 1 ? 'target' : 'targets'} ${cluster?.name ?? t.cluster} and ${judged.length > 1 ? 'match' : 'matches'} it`,
        evidence,
        data,
      }
    }
    const fixes = broken.flatMap(({ info, problems, fixes: own }) => [
      buildRewriteEntryFix({
        cluster: cluster?.name ?? t.cluster,
        region: t.region,
        profile: info.exec?.profile ?? t.profile,
        context: info.name,
        why: `The context ${info.name} in ${info.file}: ${problems.join('; ')}.`,
      }),
      ...own,
    ])
    const detail = broken.map(({ info, problems }) => `context ${info.name}: ${problems.join('; ')}`).join('. ')
    // kubectl fails when the context it uses is broken, or when every context for the cluster is.
    const failing = broken.some((b) => b.info.current) || broken.length === judged.length
    return failing
      ? { status: 'fail', code: 'KUBECONFIG_MISMATCH', category: 'kubeconfig', detail, evidence, data, fixes }
      : { status: 'warn', code: 'KUBECONFIG_MISMATCH', detail: `${detail} (${judged.filter((j) => !j.problems.length).map((j) => j.info.name).join(', ')} works)`, evidence, data, fixes }
  },
})
