/**
 * What to check, in this order: --endpoint (no AWS at all), --cluster/--region, or the
 * kubeconfig context (current or --context), with cluster, region and profile read from its
 * exec block. Bad input is a usage error with one clear line.
 */
import { isIP } from 'node:net'
import { defaultRegion } from '../aws/config-file.js'
import { isKnownRegion, AWS_REGIONS } from '../aws/regions.js'
import { isValidCidr } from '../platform/cidr.js'
import type { Target } from '../engine/types.js'
import { usageError } from '../errors.js'
import { parseClusterArn } from '../aws/arn.js'
import { readContext } from '../kube/contexts.js'
import { loadKubeconfig, type ExecInfo } from '../kube/kubeconfig.js'
import type { FsApi } from '../platform/env.js'
import { closestNames } from '../util/closest.js'

export interface TargetFlags {
  cluster?: string
  region?: string
  profile?: string
  context?: string
  kubeconfig?: string
  endpoint?: string
  caFile?: string
  resolver?: string[]
  sourceCidr?: string
  vpnInstance?: string
  vpnIp?: string
  clientVpnEndpoint?: string
  clientVpnGroup?: string
  canI?: string[]
}

export interface ResolveDeps {
  vars: Readonly<Record<string, string | undefined>>
  fs: FsApi
  platform?: string
}

const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/
const EKS_HOST_REGION = /\.([a-z]{2}(?:-[a-z]+)+-\d)\.eks\.amazonaws\.com(?:\.cn)?$|\.([a-z]{2}(?:-[a-z]+)+-\d)\.(?:api\.aws|api\.amazonwebservices\.com\.cn)$/

export function validateClusterName(name: string): void {
  if (!CLUSTER_NAME.test(name)) {
    throw usageError(
      'INVALID_CLUSTER_NAME',
      `"${name}" is not a valid EKS cluster name: 1-100 letters, digits, hyphens or underscores, starting with a letter or digit`,
    )
  }
}

export function validateRegion(region: string): void {
  if (!isKnownRegion(region)) {
    const near = closestNames(region, AWS_REGIONS)
    throw usageError('UNKNOWN_REGION', `unknown AWS region "${region}"${near.length ? `; did you mean ${near.join(' or ')}?` : ''}`)
  }
}

/** A server URL must be https with a host; kubectl would refuse anything else for EKS. */
export function validateEndpoint(endpoint: string): URL {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw usageError('INVALID_ENDPOINT', `"${endpoint}" is not a URL; expected https://HOST[:PORT]`)
  }
  if (url.protocol !== 'https:') {
    throw usageError('INVALID_ENDPOINT', `the endpoint must use https, not ${url.protocol.replace(':', '')}: ${endpoint}`)
  }
  return url
}

export function regionFromEndpoint(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined
  try {
    const m = EKS_HOST_REGION.exec(new URL(endpoint).hostname.toLowerCase())
    return m?.[1] ?? m?.[2]
  } catch {
    return undefined
  }
}


function ensureNoConflicts(flags: TargetFlags): void {
  if (flags.endpoint && (flags.context || flags.kubeconfig)) {
    throw usageError('CONFLICTING_FLAGS', '--endpoint checks a bare endpoint; it cannot be combined with --context or --kubeconfig')
  }
  if (flags.caFile && !flags.endpoint) {
    throw usageError('CONFLICTING_FLAGS', '--ca-file goes with --endpoint; the CA otherwise comes from the kubeconfig or DescribeCluster')
  }
  if (flags.cluster && flags.context) {
    throw usageError('CONFLICTING_FLAGS', '--cluster and --context both choose the target; give one of them')
  }
  if (flags.sourceCidr && !isValidCidr(flags.sourceCidr)) {
    throw usageError('INVALID_CIDR', `--source-cidr expects a CIDR such as 10.20.0.0/16, got "${flags.sourceCidr}"`)
  }
  if (flags.vpnInstance && !/^i-[0-9a-f]{8,17}$/.test(flags.vpnInstance)) {
    throw usageError('INVALID_INSTANCE_ID', `--vpn-instance expects an instance id such as i-0abc12345def67890, got "${flags.vpnInstance}"`)
  }
  if (flags.vpnIp && isIP(flags.vpnIp) === 0) throw usageError('INVALID_VPN_IP', `--vpn-ip expects an IP address, got "${flags.vpnIp}"`)
  if (flags.vpnInstance && flags.vpnIp) throw usageError('CONFLICTING_FLAGS', '--vpn-instance and --vpn-ip both name the VPN router; give one of them')
  if (flags.clientVpnEndpoint && !/^cvpn-endpoint-[0-9a-f]{8,17}$/.test(flags.clientVpnEndpoint)) {
    throw usageError('INVALID_CLIENT_VPN_ENDPOINT', `--client-vpn-endpoint expects an endpoint id such as cvpn-endpoint-0123456789abcdef0, got "${flags.clientVpnEndpoint}"`)
  }
  for (const resolver of flags.resolver ?? []) {
    if (isIP(resolver) === 0) throw usageError('INVALID_RESOLVER', `--resolver expects an IP address, got "${resolver}"`)
  }
}

async function readCaFile(path: string, fs: FsApi, what: string): Promise<string> {
  const pem = await fs.readText(path)
  if (pem === undefined) throw usageError('CA_FILE_UNREADABLE', `${what} ${path} does not exist or cannot be read`)
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw usageError('CA_FILE_INVALID', `${what} ${path} holds no PEM certificate`)
  return pem
}

/** The region of a named cluster: --region, else what the AWS tools would use. */
async function fillRegion(target: Target, flags: TargetFlags, deps: ResolveDeps): Promise<void> {
  const found = flags.region
    ? { region: flags.region, source: '--region' }
    : await defaultRegion(target.profile, { vars: deps.vars, homedir: deps.fs.homedir(), readText: deps.fs.readText })
  if (found) {
    target.region = found.region
    target.sources.region = found.source
  }
  if (target.region) validateRegion(target.region)
}

function applyExec(target: Target, exec: ExecInfo | undefined): void {
  if (!exec) return
  target.exec = exec
  if (exec.cluster) {
    target.cluster = exec.cluster
    target.sources.cluster = `kubeconfig exec (${exec.command})`
  }
  if (exec.region) {
    target.region = exec.region
    target.sources.region = `kubeconfig exec (${exec.command})`
  }
  if (exec.profile) {
    target.profile = exec.profile
    target.sources.profile = 'kubeconfig exec'
  }
  if (exec.roleArn) target.roleArn = exec.roleArn
}

async function resolveFromKubeconfig(target: Target, flags: TargetFlags, deps: ResolveDeps): Promise<void> {
  const view = await loadKubeconfig({
    explicitPath: flags.kubeconfig,
    vars: deps.vars,
    homedir: deps.fs.homedir(),
    readText: deps.fs.readText,
    platform: deps.platform,
  })
  const contextName = flags.context ?? view.currentContext
  if (!contextName) {
    throw usageError(
      'NO_CURRENT_CONTEXT',
      `${view.files.join(', ')} sets no current-context; pass --context NAME, or --cluster NAME --region R`,
    )
  }
  const context = view.contexts.get(contextName)
  if (!context) {
    const near = closestNames(contextName, [...view.contexts.keys()])
    const known = [...view.contexts.keys()]
    throw usageError(
      'CONTEXT_NOT_FOUND',
      `context "${contextName}" is not in ${view.files.join(', ')}` +
        (near.length ? `; did you mean ${near.join(' or ')}?` : known.length ? `; known contexts: ${known.slice(0, 5).join(', ')}` : ''),
    )
  }
  target.context = contextName
  target.kubeconfigPath = context.file
  if (flags.kubeconfig) target.kubeconfigFlag = flags.kubeconfig
  target.sources.context = flags.context ? '--context' : 'current-context'
  const info = await readContext(view, contextName, deps.fs.readText)
  if (!info?.clusterEntry || !view.clusters.has(info.clusterEntry)) {
    throw usageError('KUBECONFIG_INVALID', `context "${contextName}" refers to cluster "${info?.clusterEntry ?? ''}", which is not defined`)
  }
  if (info.caError) throw usageError(info.caError.includes('no PEM') ? 'CA_FILE_INVALID' : 'CA_FILE_UNREADABLE', info.caError)
  if (info.server) {
    target.endpoint = info.server
    target.sources.endpoint = `kubeconfig cluster ${info.clusterEntry}`
  }
  if (info.proxyUrl) target.proxyUrl = info.proxyUrl
  if (info.caPem) {
    target.caPem = info.caPem
    target.caSource = info.caSource
  }
  const arn = parseClusterArn(info.clusterEntry)
  if (arn) {
    target.cluster = arn.name
    target.region = arn.region
    target.sources.cluster = target.sources.region = 'kubeconfig cluster ARN'
  }
  const exec = info.exec
  applyExec(target, exec)
  if (!target.region) {
    const fromHost = regionFromEndpoint(target.endpoint)
    if (fromHost) {
      target.region = fromHost
      target.sources.region = 'endpoint host name'
    }
  }
}

export async function resolveTarget(flags: TargetFlags, deps: ResolveDeps): Promise<Target> {
  ensureNoConflicts(flags)
  const target: Target = {
    resolvers: flags.resolver ?? [],
    canI: flags.canI ?? [],
    sources: {},
    ...(flags.sourceCidr ? { sourceCidr: flags.sourceCidr } : {}),
    ...(flags.vpnInstance ? { vpnInstance: flags.vpnInstance } : {}),
    ...(flags.vpnIp ? { vpnIp: flags.vpnIp } : {}),
    ...(flags.clientVpnEndpoint ? { clientVpnEndpoint: flags.clientVpnEndpoint } : {}),
    ...(flags.clientVpnGroup ? { clientVpnGroup: flags.clientVpnGroup } : {}),
  }
  if (flags.profile) {
    target.profile = flags.profile
    target.sources.profile = '--profile'
  }
  if (flags.endpoint) {
    validateEndpoint(flags.endpoint)
    target.endpoint = flags.endpoint
    target.sources.endpoint = '--endpoint'
    if (flags.caFile) {
      target.caPem = await readCaFile(flags.caFile, deps.fs, '--ca-file')
      target.caSource = flags.caFile
    }
    if (flags.cluster) {
      validateClusterName(flags.cluster)
      target.cluster = flags.cluster
      target.sources.cluster = '--cluster'
      await fillRegion(target, flags, deps)
    }
    return target
  }
  if (flags.cluster) {
    validateClusterName(flags.cluster)
    target.cluster = flags.cluster
    target.sources.cluster = '--cluster'
    if (!target.profile && deps.vars.AWS_PROFILE) {
      target.profile = deps.vars.AWS_PROFILE
      target.sources.profile = 'AWS_PROFILE'
    }
    await fillRegion(target, flags, deps)
    if (!target.region) {
      throw usageError('NO_REGION', `no region for cluster "${flags.cluster}": pass --region, or set AWS_REGION or a region in the profile`)
    }
    return target
  }
  await resolveFromKubeconfig(target, flags, deps)
  if (flags.profile) target.profile = flags.profile
  if (target.endpoint) validateEndpoint(target.endpoint)
  if (target.cluster) validateClusterName(target.cluster)
  if (flags.region) {
    target.region = flags.region
    target.sources.region = '--region'
  }
  if (target.region) validateRegion(target.region)
  return target
}
