/**
 * A small EKS control plane on loopback that speaks restJson1 as the SDK expects: DescribeCluster,
 * ListClusters and the read side of access entries (ListAccessEntries, DescribeAccessEntry,
 * ListAssociatedAccessPolicies; formats.md §8), with the service's error shapes. moto's EKS lacks
 * vpcId, the cluster security group and access entries, so the tests serve the cluster from here
 * (AWS_ENDPOINT_URL_EKS). Entries are read from `clusters` on every call: a test may edit them.
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A cluster as DescribeCluster returns it (the fields eksdoctor reads). */
export interface FakeCluster {
  name: string
  arn?: string
  status?: string
  version?: string
  endpoint: string
  caPem: string
  endpointPublicAccess?: boolean
  endpointPrivateAccess?: boolean
  publicAccessCidrs?: string[]
  vpcId?: string
  subnetIds?: string[]
  clusterSecurityGroupId?: string
  securityGroupIds?: string[]
  authenticationMode?: string
  /** Access entries (answered unless authenticationMode is CONFIG_MAP). */
  accessEntries?: FakeAccessEntry[]
}

/** An access policy associated with an access entry. */
export interface FakeAccessPolicy {
  policyArn: string
  accessScope: { type: 'cluster' | 'namespace'; namespaces?: string[] }
}

/** An access entry; unset fields get EKS's defaults (type STANDARD, the default username). */
export interface FakeAccessEntry {
  principalArn: string
  kubernetesGroups?: string[]
  username?: string
  type?: string
  policies?: FakeAccessPolicy[]
}

export interface FakeEks {
  url: string
  clusters: Map<string, FakeCluster>
  /** Every request, with the SigV4 credential scope (never the signature). */
  requests: { method: string; path: string; credentialScope?: string }[]
  close(): Promise<void>
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type })
  res.end(JSON.stringify({ message }))
}

function sendJson(res: ServerResponse, body: object): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

const CREATED_AT = 1_700_000_000
const ENTRY_CREATED_AT = 1_700_000_600
const DEFAULT_ACCOUNT = '111122223333'
const MAX_RESULTS = 100
const CONFIG_MAP_ONLY =
  "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation."
const ENTRY_NOT_FOUND =
  "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'."

function describe(c: FakeCluster, region: string) {
  return {
    cluster: {
      name: c.name,
      arn: c.arn ?? `arn:aws:eks:${region}:111122223333:cluster/${c.name}`,
      createdAt: CREATED_AT,
      version: c.version ?? '1.31',
      endpoint: c.endpoint,
      roleArn: 'arn:aws:iam::111122223333:role/eks-cluster',
      resourcesVpcConfig: {
        subnetIds: c.subnetIds ?? [],
        securityGroupIds: c.securityGroupIds ?? [],
        clusterSecurityGroupId: c.clusterSecurityGroupId,
        vpcId: c.vpcId,
        endpointPublicAccess: c.endpointPublicAccess ?? false,
        endpointPrivateAccess: c.endpointPrivateAccess ?? true,
        publicAccessCidrs: c.publicAccessCidrs ?? (c.endpointPublicAccess ? ['0.0.0.0/0'] : []),
      },
      status: c.status ?? 'ACTIVE',
      certificateAuthority: { data: Buffer.from(c.caPem).toString('base64') },
      platformVersion: 'eks.10',
      accessConfig: { authenticationMode: c.authenticationMode ?? 'API_AND_CONFIG_MAP' },
    },
  }
}

export async function startFakeEks(clusters: FakeCluster[] = []): Promise<FakeEks> {
  const state = new Map(clusters.map((c) => [c.name, c]))
  const requests: FakeEks['requests'] = []
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake')
    const auth = req.headers.authorization ?? ''
    const credentialScope = /Credential=[^/]+\/([^,]+)/.exec(auth)?.[1]
    requests.push({ method: req.method ?? 'GET', path: url.pathname, credentialScope })
    const region = credentialScope?.split('/')[1] ?? 'us-east-1'
    if (!auth.startsWith('AWS4-HMAC-SHA256')) return sendError(res, 403, 'UnrecognizedClientException', 'missing signature')
    const entries = /^\/clusters\/([^/]+)\/access-entries(?:\/([^/]+)(\/access-policies)?)?$/.exec(url.pathname)
    if (req.method === 'GET' && entries) {
      return serveAccessEntries(res, state, region, url, decodeURIComponent(entries[1] ?? ''), entries[2], Boolean(entries[3]))
    }
    const one = /^\/clusters\/([^/]+)$/.exec(url.pathname)
    if (req.method === 'GET' && one) {
      const cluster = state.get(decodeURIComponent(one[1] ?? ''))
      if (!cluster) return sendError(res, 404, 'ResourceNotFoundException', `No cluster found for name: ${one[1]}.`)
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify(describe(cluster, region)))
    }
    if (req.method === 'GET' && url.pathname === '/clusters') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ clusters: [...state.keys()] }))
    }
    return sendError(res, 404, 'ResourceNotFoundException', `no route for ${req.method} ${url.pathname}`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    clusters: state,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The three access-entry reads; `encodedPrincipal` is the raw (URL-encoded) path segment. */
function serveAccessEntries(
  res: ServerResponse,
  state: Map<string, FakeCluster>,
  region: string,
  url: URL,
  clusterName: string,
  encodedPrincipal: string | undefined,
  policies: boolean,
): void {
  const cluster = state.get(clusterName)
  if (!cluster) return sendError(res, 404, 'ResourceNotFoundException', `No cluster found for name: ${clusterName}.`)
  if ((cluster.authenticationMode ?? 'API_AND_CONFIG_MAP') === 'CONFIG_MAP') {
    return sendError(res, 400, 'InvalidRequestException', CONFIG_MAP_ONLY)
  }
  const entries = cluster.accessEntries ?? []
  if (encodedPrincipal === undefined) {
    const policyArn = url.searchParams.get('associatedPolicyArn')
    const arns = entries
      .filter((e) => !policyArn || (e.policies ?? []).some((p) => p.policyArn === policyArn))
      .map((e) => e.principalArn)
    const page = paginate(res, url, 'accessEntries', arns)
    if (page) sendJson(res, page)
    return
  }
  const principalArn = decodeURIComponent(encodedPrincipal)
  const entry = entries.find((e) => e.principalArn === principalArn)
  if (!entry) return sendError(res, 404, 'ResourceNotFoundException', ENTRY_NOT_FOUND)
  if (!policies) return sendJson(res, { accessEntry: describeAccessEntry(cluster, entry, region) })
  const associated = (entry.policies ?? []).map((p) => ({
    policyArn: p.policyArn,
    accessScope: { type: p.accessScope.type, namespaces: p.accessScope.namespaces ?? [] },
    associatedAt: ENTRY_CREATED_AT,
    modifiedAt: ENTRY_CREATED_AT,
  }))
  const page = paginate(res, url, 'associatedAccessPolicies', associated)
  if (page) sendJson(res, { clusterName: cluster.name, principalArn, ...page })
}

/** One page of `items` under `key` (maxResults 1-100, nextToken an opaque offset); undefined after an error. */
function paginate(res: ServerResponse, url: URL, key: string, items: unknown[]): Record<string, unknown> | undefined {
  const max = Number(url.searchParams.get('maxResults') ?? MAX_RESULTS)
  if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
    sendError(res, 400, 'InvalidParameterException', 'maxResults must be between 1 and 100.')
    return undefined
  }
  const token = url.searchParams.get('nextToken')
  const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0
  if (!Number.isInteger(start) || start < 0 || start > items.length) {
    sendError(res, 400, 'InvalidParameterException', 'The nextToken is invalid.')
    return undefined
  }
  const end = start + max
  return {
    [key]: items.slice(start, end),
    ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString('base64url') } : {}),
  }
}

function describeAccessEntry(c: FakeCluster, e: FakeAccessEntry, region: string) {
  const account = /^arn:[^:]+:eks:[^:]*:(\d+):/.exec(c.arn ?? '')?.[1] ?? DEFAULT_ACCOUNT
  const principal = /^arn:([^:]+):iam::(\d+):(role|user)\/(?:.*\/)?([^/]+)$/.exec(e.principalArn)
  const [, partition, principalAccount, kind, name] = principal ?? []
  // EKS's default usernames (formats.md §8): a role's session ARN without the path, a user's ARN.
  const defaultUsername =
    kind === 'role' ? `arn:${partition}:sts::${principalAccount}:assumed-role/${name}/{{SessionName}}` : e.principalArn
  const type = e.type ?? 'STANDARD'
  return {
    clusterName: c.name,
    principalArn: e.principalArn,
    kubernetesGroups: e.kubernetesGroups ?? [],
    accessEntryArn: `arn:aws:eks:${region}:${account}:access-entry/${c.name}/${kind ?? 'role'}/${principalAccount ?? account}/${name ?? 'unknown'}/${accessEntryId(e.principalArn)}`,
    createdAt: ENTRY_CREATED_AT,
    modifiedAt: ENTRY_CREATED_AT,
    tags: {},
    username: e.username ?? (type === 'STANDARD' ? defaultUsername : `system:node:{{${type.startsWith('EC2') ? 'EC2PrivateDNSName' : 'SessionName'}}}`),
    type,
  }
}

/** A stable UUID-shaped id per principal, like the suffix of a real accessEntryArn. */
function accessEntryId(principalArn: string): string {
  const hex = createHash('sha256').update(principalArn).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}
