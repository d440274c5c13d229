/**
 * `eksdoctor kubeconfig` without the command: read the cluster from AWS, build the entry
 * `aws eks update-kubeconfig` would write, and merge it into the right file (or show the diff).
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultRegion } from '../aws/config-file.js'
import { CATEGORY_EXIT_CODES } from '../engine/codes.js'
import { CliError, usageError } from '../errors.js'
import type { ProbeEnv } from '../platform/env.js'
import { validateClusterName, validateRegion } from '../target/resolve-target.js'
import { closestNames } from '../util/closest.js'
import { unifiedDiff } from './diff.js'
import { buildEntry, chooseKubeconfigFile, hasNamedEntry, mergeEntry, updateKubeconfigFile } from './kubeconfig-writer.js'

const CREDENTIAL_CODES = new Set(['AWS_NO_CREDENTIALS', 'AWS_SSO_EXPIRED', 'AWS_EXPIRED_TOKEN', 'AWS_UNKNOWN_PROFILE', 'AWS_CLOCK_SKEW', 'AWS_ACCESS_DENIED'])

export interface EntryRequest {
  cluster: string
  region?: string
  profile?: string
  roleArn?: string
  alias?: string
  userAlias?: string
  kubeconfig?: string
  tokenCommand?: 'aws' | 'eksdoctor'
  setCurrent: boolean
  dryRun: boolean
}

/** What was written (or would be), and the line that says so. */
export interface EntryWritten {
  path: string
  context: string
  changed: boolean
  /** The unified diff of a dry run. */
  diff?: string
  backup?: string
  /** How the write differed from a locked, atomic replace (in place, unlocked), when it did. */
  note?: string
  tokenCommand: string
  line: string
}

export async function writeClusterEntry(env: ProbeEnv, request: EntryRequest): Promise<EntryWritten> {
  validateClusterName(request.cluster)
  const profile = request.profile ?? env.vars.AWS_PROFILE
  const region = request.region ?? (await defaultRegion(profile, { vars: env.vars, homedir: env.fs.homedir(), readText: env.fs.readText }))?.region
  if (!region) throw usageError('NO_REGION', `no region for cluster "${request.cluster}": pass --region, or set AWS_REGION or a region in the profile`)
  validateRegion(region)
  const call = { region, profile, timeoutMs: 10_000 }
  const described = await env.aws.describeCluster(request.cluster, call)
  if (!described.ok) {
    if (described.code === 'CLUSTER_NOT_FOUND') {
      const listed = await env.aws.listClusters(call)
      const near = listed.ok ? closestNames(request.cluster, listed.value) : []
      throw new CliError('CLUSTER_NOT_FOUND', `no cluster "${request.cluster}" in ${region}${near.length ? `; did you mean ${near.join(' or ')}?` : ''}`, CATEGORY_EXIT_CODES.cluster)
    }
    throw new CliError(described.code, `DescribeCluster failed: ${described.message}`, CREDENTIAL_CODES.has(described.code) ? CATEGORY_EXIT_CODES.credentials : CATEGORY_EXIT_CODES.cluster)
  }
  const cluster = described.value
  if (cluster.status && !['ACTIVE', 'UPDATING'].includes(cluster.status)) {
    throw new CliError('CLUSTER_NOT_ACTIVE', `cluster ${cluster.name} is ${cluster.status}, not ACTIVE`, CATEGORY_EXIT_CODES.cluster)
  }
  if (!cluster.endpoint || !cluster.caData || !cluster.arn) throw new CliError('CLUSTER_INCOMPLETE', `DescribeCluster gave no endpoint, CA or ARN for ${cluster.name}`, CATEGORY_EXIT_CODES.cluster)
  const entry = buildEntry({
    arn: cluster.arn,
    name: cluster.name,
    endpoint: cluster.endpoint,
    caData: cluster.caData,
    region,
    // The profile in effect now (flag or AWS_PROFILE), so a later kubectl without the variable signs as the same identity.
    profile,
    roleArn: request.roleArn,
    alias: request.alias,
    userAlias: request.userAlias,
    tokenCommand: request.tokenCommand ?? ((await env.which('aws')) ? 'aws' : 'eksdoctor'),
    eksdoctorCommand: await findEksdoctorCommand(env),
  })
  const path = await chooseKubeconfigFile({ explicit: request.kubeconfig, vars: env.vars, homedir: env.fs.homedir(), platform: env.platform, clusterArn: cluster.arn, readText: env.fs.readText })
  const merge = (before: string | undefined) => mergeEntry(before, path, entry, { setCurrent: request.setCurrent })
  const base = { path, context: entry.contextName, tokenCommand: entry.exec.command }
  if (request.dryRun) {
    const before = await env.fs.readText(path)
    const after = await merge(before)
    const diff = unifiedDiff(before ?? '', after, before === undefined ? '/dev/null' : path, path)
    return { ...base, changed: after !== before, diff, line: diff || `${path} already has this entry; nothing to change\n` }
  }
  const written = await updateKubeconfigFile(path, merge)
  const what = !written.changed
    ? `Context ${entry.contextName} in ${path} is already up to date`
    : written.before !== undefined && (await hasNamedEntry(written.before, 'contexts', entry.contextName))
      ? `Updated context ${entry.contextName} in ${path}`
      : `Added new context ${entry.contextName} to ${path}`
  const notes = [written.note, written.backup ? `backup: ${written.backup}` : undefined].filter(Boolean)
  return { ...base, changed: written.changed, ...(written.backup ? { backup: written.backup } : {}), ...(written.note ? { note: written.note } : {}), line: `${what}${notes.map((n) => ` (${n})`).join('')}\n` }
}

/** The eksdoctor on PATH, else this package's bin/run.js, as an absolute path. */
async function findEksdoctorCommand(env: ProbeEnv): Promise<string> {
  const onPath = await env.which('eksdoctor')
  return onPath ? resolve(onPath) : fileURLToPath(new URL('../../bin/run.js', import.meta.url))
}
