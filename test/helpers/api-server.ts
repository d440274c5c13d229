/** A fake Kubernetes API server over HTTPS on 127.0.0.1, with a route table tests can extend. */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'

/** How `GET /readyz` answers. */
export type ReadyzMode = 'ok' | 'fail-500' | 'unauthorized-401'

/** One request as the server saw it; the Authorization header is reduced to whether it was sent. */
export interface RecordedRequest {
  method: string
  path: string
  query: string
  headers: IncomingHttpHeaders
  hasAuthorization: boolean
}

/** What a route handler gets: the parsed request, its body, and the Authorization header (never recorded). */
export interface RouteRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  authorization: string | undefined
  body: string
}

/** What a route handler returns; an object body is sent as JSON. */
export interface RouteResponse {
  status: number
  headers?: Record<string, string>
  body?: string | object
}

/** Answers one request; may be async (a test can make it hang, close() still ends it). */
export type RouteHandler = (req: RouteRequest) => RouteResponse | Promise<RouteResponse>

/** One entry of the route table: exact method and path (no query). */
export interface Route {
  method: string
  path: string
  handle: RouteHandler
}

/** Version fields reported by `GET /version`. */
export interface VersionInfo {
  major: string
  minor: string
  gitVersion: string
  gitCommit: string
  gitTreeState: string
  buildDate: string
  goVersion: string
  compiler: string
  platform: string
}

/** Options of `startApiServer`; `routes` are added after the defaults and replace any with the same method and path. */
export interface ApiServerOptions {
  cert: string
  key: string
  readyz?: ReadyzMode
  version?: Partial<VersionInfo>
  routes?: Route[]
}

/** A running fake API server. */
export interface ApiServer {
  port: number
  url: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

const LOOPBACK = '127.0.0.1'
const MAX_BODY_BYTES = 1024 * 1024

const DEFAULT_VERSION: VersionInfo = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.4-eks-2d5f260',
  gitCommit: '2d5f260c7a9cc1d4c5a4a6e5dd8d9b1a6a1d0f2e',
  gitTreeState: 'clean',
  buildDate: '2024-12-13T18:24:58Z',
  goVersion: 'go1.22.9',
  compiler: 'gc',
  platform: 'linux/amd64',
}

// The checks a real kube-apiserver lists under /readyz?verbose, in its order.
const READYZ_CHECKS = [
  'ping',
  'log',
  'etcd',
  'etcd-readiness',
  'informer-sync',
  'poststarthook/start-apiserver-admission-initializer',
  'poststarthook/generic-apiserver-start-informers',
  'poststarthook/start-kube-apiserver-informers',
  'poststarthook/rbac/bootstrap-roles',
  'poststarthook/bootstrap-controller',
  'shutdown',
]

const UNAUTHORIZED_STATUS = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
}

/** Builds a Kubernetes `Status` failure object, as the apiserver returns for 401/403/404. */
export function buildStatus(code: number, reason: string, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }
}

/** Starts the fake API server on 127.0.0.1 on an ephemeral port. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const routes = new Map<string, RouteHandler>()
  for (const route of [...buildDefaultRoutes(opts), ...(opts.routes ?? [])]) {
    routes.set(routeKey(route.method, route.path), route.handle)
  }
  const requests: RecordedRequest[] = []
  const sockets = new Set<Socket>()

  const server = createServer({ cert: opts.cert, key: opts.key }, (req, res) => {
    void serveRequest(req, res, routes, requests)
  })
  // Raw sockets, tracked from accept: close() must also end connections still in the TLS handshake.
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  // A client that aborts its handshake (as the TLS verification tests do) is not a server failure.
  server.on('tlsClientError', () => {})

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  return {
    port,
    url: `https://${LOOPBACK}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}

async function serveRequest(
  req: IncomingMessage,
  res: ServerResponse,
  routes: Map<string, RouteHandler>,
  requests: RecordedRequest[],
): Promise<void> {
  const method = req.method ?? 'GET'
  const url = new URL(req.url ?? '/', `https://${LOOPBACK}`)
  const { authorization, ...headers } = req.headers
  requests.push({ method, path: url.pathname, query: url.search, headers, hasAuthorization: authorization !== undefined })

  try {
    const body = await readBody(req)
    const handle = routes.get(routeKey(method, url.pathname)) ?? handleNotFound
    const answer = await handle({ method, path: url.pathname, query: url.searchParams, headers, authorization, body })
    sendResponse(res, answer)
  } catch (error) {
    if (!res.headersSent && !res.destroyed) {
      sendResponse(res, { status: 500, body: buildStatus(500, 'InternalError', String(error)) })
    }
  }
}

function buildDefaultRoutes(opts: ApiServerOptions): Route[] {
  const version = { ...DEFAULT_VERSION, ...opts.version }
  return [
    { method: 'GET', path: '/readyz', handle: (req) => answerReadyz(opts.readyz ?? 'ok', req.query.has('verbose')) },
    { method: 'GET', path: '/version', handle: () => ({ status: 200, body: version }) },
  ]
}

function answerReadyz(mode: ReadyzMode, verbose: boolean): RouteResponse {
  if (mode === 'unauthorized-401') return { status: 401, body: UNAUTHORIZED_STATUS }
  if (mode === 'fail-500') {
    // The real apiserver is always verbose on failure and withholds the reason from the client.
    const lines = READYZ_CHECKS.map((check) => (check === 'etcd' ? '[-]etcd failed: reason withheld' : `[+]${check} ok`))
    return buildTextResponse(500, `${lines.join('\n')}\nreadyz check failed\n`)
  }
  if (!verbose) return buildTextResponse(200, 'ok')
  return buildTextResponse(200, `${READYZ_CHECKS.map((check) => `[+]${check} ok`).join('\n')}\nreadyz check passed\n`)
}

function handleNotFound(): RouteResponse {
  return { status: 404, body: buildStatus(404, 'NotFound', 'the server could not find the requested resource') }
}

function buildTextResponse(status: number, body: string): RouteResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body }
}

function sendResponse(res: ServerResponse, answer: RouteResponse): void {
  const isJson = typeof answer.body === 'object'
  const payload = typeof answer.body === 'object' ? JSON.stringify(answer.body) : (answer.body ?? '')
  res.writeHead(answer.status, {
    ...(isJson ? { 'content-type': 'application/json' } : {}),
    'content-length': Buffer.byteLength(payload),
    ...answer.headers,
  })
  res.end(payload)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`
}
