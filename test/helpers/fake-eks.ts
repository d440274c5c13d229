/**
 * A small EKS control plane on loopback that speaks restJson1 as the SDK expects: DescribeCluster
 * and ListClusters, with the service's error shapes. moto's EKS lacks vpcId, the cluster security
 * group and access entries, so the tests serve the cluster from here (AWS_ENDPOINT_URL_EKS).
 */
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

function describe(c: FakeCluster, region: string) {
  return {
    cluster: {
      name: c.name,
      arn: c.arn ?? `arn:aws:eks:${region}:111122223333:cluster/${c.name}`,
      createdAt: 1_700_000_000,
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
