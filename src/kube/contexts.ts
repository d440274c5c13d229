/**
 * The contexts of a merged kubeconfig as kubectl would use them: each with its cluster entry
 * (server, CA, proxy-url) and its user's exec plugin, and which of them target a given EKS cluster.
 */
import { parseClusterArn } from '../aws/arn.js'
import { parseExecBlock, resolveKubeconfigPath, type ExecInfo, type KubeconfigView } from './kubeconfig.js'

/** One context with what kubectl reads for it. */
export interface ContextInfo {
  name: string
  /** The file that defines the context. */
  file: string
  clusterEntry?: string
  server?: string
  caPem?: string
  caSource?: string
  /** Why the CA could not be read (a certificate-authority file that is missing or not PEM). */
  caError?: string
  proxyUrl?: string
  exec?: ExecInfo
}

type Dict = Record<string, unknown>

export async function readContext(view: KubeconfigView, name: string, readText: (path: string) => Promise<string | undefined>): Promise<ContextInfo | undefined> {
  const context = view.contexts.get(name)
  if (!context) return undefined
  const clusterName = typeof context.value.cluster === 'string' ? context.value.cluster : undefined
  const userName = typeof context.value.user === 'string' ? context.value.user : undefined
  const cluster = clusterName ? view.clusters.get(clusterName) : undefined
  const info: ContextInfo = { name, file: context.file, ...(clusterName ? { clusterEntry: clusterName } : {}) }
  if (cluster) {
    if (typeof cluster.value.server === 'string') info.server = cluster.value.server
    if (typeof cluster.value['proxy-url'] === 'string') info.proxyUrl = cluster.value['proxy-url']
    const caData = cluster.value['certificate-authority-data']
    const caFile = cluster.value['certificate-authority']
    if (typeof caData === 'string' && caData) {
      info.caPem = Buffer.from(caData, 'base64').toString('utf8')
      info.caSource = `certificate-authority-data of ${cluster.name}`
    } else if (typeof caFile === 'string' && caFile) {
      const path = resolveKubeconfigPath(caFile, cluster.file)
      const pem = await readText(path)
      info.caSource = path
      if (pem === undefined) info.caError = `certificate-authority ${path} does not exist or cannot be read`
      else if (!pem.includes('-----BEGIN CERTIFICATE-----')) info.caError = `certificate-authority ${path} holds no PEM certificate`
      else info.caPem = pem
    }
  }
  const user = userName ? view.users.get(userName) : undefined
  const exec = user && typeof user.value.exec === 'object' && user.value.exec !== null ? parseExecBlock(user.value.exec as Dict) : undefined
  if (exec) info.exec = exec
  return info
}

/** What identifies the EKS cluster a context should reach. */
export interface ClusterIdentity {
  name: string
  region: string
  /** The endpoint URL DescribeCluster gives, when AWS was read. */
  endpoint?: string
}

function hostOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).host.toLowerCase() : undefined
  } catch {
    return undefined
  }
}

/** Why this context targets the cluster (its ARN, what its exec entry signs for, its server), or undefined. */
export function targetsCluster(info: ContextInfo, cluster: ClusterIdentity): string | undefined {
  const arn = parseClusterArn(info.clusterEntry)
  if (arn && arn.name === cluster.name && arn.region === cluster.region) return 'its cluster ARN'
  const exec = info.exec
  if (exec?.cluster === cluster.name && (!exec.region || exec.region === cluster.region)) return `the cluster its ${exec.command} exec entry signs for`
  const endpoint = hostOf(cluster.endpoint)
  if (endpoint && hostOf(info.server) === endpoint) return 'its server URL'
  return undefined
}
