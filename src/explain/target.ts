/**
 * What to check when `explain` gets no target from the flags or the kubeconfig: the endpoint the
 * pasted error names (an EKS host name, or the IP kubectl dialled), and with credentials the
 * cluster whose endpoint has that host (ListClusters, then DescribeCluster of each).
 */
import { isIP } from 'node:net'
import { CliError } from '../errors.js'
import type { ProbeEnv } from '../platform/env.js'
import { regionFromEndpoint, resolveTarget, type TargetFlags } from '../target/resolve-target.js'

// The dual-stack forms (api.aws, api.amazonwebservices.com.cn) may or may not carry the cell label.
const EKS_HOST = /\b([0-9a-f]{32}\.[a-z0-9]+\.[a-z]{2}(?:-[a-z]+)+-\d\.eks\.amazonaws\.com(?:\.cn)?)\b|\b([0-9a-f]{32}(?:\.[a-z0-9]+)?\.[a-z]{2}(?:-[a-z]+)+-\d\.(?:api\.aws|api\.amazonwebservices\.com\.cn))\b/i
const DIALLED = /\bdial tcp (\[[0-9a-f:]+\]|\d{1,3}(?:\.\d{1,3}){3}):(\d+)/i

/** The endpoint an error names, as a URL, with the region when the host tells it. */
export function endpointFromError(text: string): { endpoint: string; host?: string; region?: string } | undefined {
  const host = EKS_HOST.exec(text)
  if (host) {
    const name = (host[1] ?? host[2] ?? '').toLowerCase()
    const endpoint = `https://${name}`
    return { endpoint, host: name, region: regionFromEndpoint(endpoint) }
  }
  const dialled = DIALLED.exec(text)
  const ip = dialled?.[1]?.replace(/^\[|\]$/g, '')
  if (dialled && ip && isIP(ip)) return { endpoint: `https://${isIP(ip) === 6 ? `[${ip}]` : ip}${dialled[2] === '443' ? '' : `:${dialled[2]}`}` }
  return undefined
}

/** The cluster of the region whose endpoint has this host, when the credentials can list and describe them. */
export async function clusterWithHost(env: ProbeEnv, host: string, o: { region: string; profile?: string }): Promise<string | undefined> {
  const call = { region: o.region, profile: o.profile, timeoutMs: 10_000 }
  const listed = await env.aws.listClusters(call)
  if (!listed.ok) return undefined
  const described = await Promise.all(listed.value.slice(0, 100).map((name) => env.aws.describeCluster(name, call)))
  const match = described.find((d) => d.ok && d.value.endpoint && new URL(d.value.endpoint).hostname.toLowerCase() === host)
  return match?.ok ? match.value.name : undefined
}

/** A target from the error text: the cluster when AWS finds it, else the bare endpoint. */
export async function targetFromError(env: ProbeEnv, text: string, flags: Pick<TargetFlags, 'profile' | 'region'>): Promise<TargetFlags | undefined> {
  const named = endpointFromError(text)
  if (!named) return undefined
  const region = flags.region ?? named.region
  const cluster = named.host && region ? await clusterWithHost(env, named.host, { region, profile: flags.profile }) : undefined
  if (cluster && region) return { cluster, region, profile: flags.profile }
  return { endpoint: named.endpoint, profile: flags.profile }
}

const NO_TARGET = new Set(['KUBECONFIG_NOT_FOUND', 'NO_CURRENT_CONTEXT'])

/**
 * The target `explain` checks: the flags' or the kubeconfig's as for every command, and only when
 * neither gives one, the one the error names. Undefined: use the flags as they are.
 */
export async function explainTarget(env: ProbeEnv, flags: TargetFlags, text: string): Promise<TargetFlags | undefined> {
  if (flags.cluster || flags.context || flags.endpoint || flags.kubeconfig) return undefined
  try {
    await resolveTarget(flags, { vars: env.vars, fs: env.fs, platform: env.platform })
    return undefined
  } catch (error) {
    if (!(error instanceof CliError) || !NO_TARGET.has(error.code)) throw error
    const fromError = await targetFromError(env, text, flags)
    if (!fromError) throw error
    return { ...flags, ...fromError }
  }
}
