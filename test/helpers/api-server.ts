/**
 * A fake Kubernetes API server over HTTPS on 127.0.0.1, with a route table tests can extend.
 *
 * With `auth` it authenticates and authorises as an EKS API server does: bearer tokens go to
 * `auth.authenticate` (createEksAuthenticator in eks-authenticator.ts), a failure is the 401
 * Status; without a token only `GET /readyz /livez /healthz /version` are served (what the
 * `system:public-info-viewer` role grants anonymous users), anything else is 401. Authenticated
 * users get discovery and the self reviews (`system:discovery`, `system:basic-user`); every other
 * request is parsed into Kubernetes request attributes and put to `auth.authorize`, a denial being
 * the 403 Status with the apiserver's exact message (formats.md §7.3). It serves the discovery
 * kubectl needs (legacy, not aggregated), SelfSubjectReview (v1, v1beta1), SelfSubjectAccessReview
 * (JSON, or protobuf as kubectl 1.33 sends it) and empty lists of pods, nodes and namespaces (as a
 * Table when kubectl asks for one).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { AuthenticatedUser, AuthResult } from './eks-authenticator.js'

/** How `GET /readyz` answers. */
export type ReadyzMode = 'ok' | 'fail-500' | 'unauthorized-401'

/** One request as the server saw it; the Authorization header is reduced to whether it was sent. */
export interface RecordedRequest {
  method: string
  path: string
  query: string
  headers: IncomingHttpHeaders
  hasAuthorization: boolean
  /** With `auth`: who the request was served as (`system:anonymous` without a token); unset on a 401. */
  username?: string
}

/** What a route handler gets: the parsed request, its body, and the Authorization header (never recorded). */
export interface RouteRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  authorization: string | undefined
  body: string
  /** The body as received (kubectl ≥ 1.33 sends some built-in types as protobuf). */
  rawBody: Buffer
  /** With `auth`: the authenticated user (or `system:anonymous` on a public path). */
  user?: AuthenticatedUser
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
  /** Authenticate and authorise every request as EKS does (see the file header). */
  auth?: ApiServerAuth
}

/** Kubernetes authorizer attributes: a resource request (`resource` set) or a non-resource one (`path`). */
export interface AuthzAttributes {
  verb: string
  resource?: string
  subresource?: string
  /** API group, '' for the core group. */
  group?: string
  version?: string
  namespace?: string
  name?: string
  path?: string
}

/** An authorizer's answer; `denied` is an explicit deny (webhook style), not just "no opinion". */
export interface AuthzDecision {
  allowed: boolean
  denied?: boolean
  reason?: string
}

/** Decides one request of one user. */
export type Authorize = (user: AuthenticatedUser, attributes: AuthzAttributes) => AuthzDecision

/** The authenticator and authorizer of `startApiServer({auth})`. */
export interface ApiServerAuth {
  authenticate(token: string): Promise<AuthResult>
  authorize: Authorize
}

/** One RBAC-like rule of `allowRules`; absent `namespaces` means cluster-wide (a ClusterRoleBinding). */
export interface AllowRule {
  verbs: string[]
  resources: string[]
  namespaces?: string[]
  /** Default any ('*'). */
  apiGroups?: string[]
  /** Non-resource paths this rule allows (`/healthz`, `/metrics`, `/debug/*`, `*`). */
  nonResourceURLs?: string[]
  /** Only these users / groups (default: every authenticated user, as bound to `system:authenticated`). */
  users?: string[]
  groups?: string[]
  /** Binding and role name in the allow reason (default `eksdoctor-test-<index>`). */
  name?: string
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

// What system:public-info-viewer grants to anonymous users.
const PUBLIC_PATHS = new Set(['/readyz', '/livez', '/healthz', '/version', '/version/'])
// What system:discovery and system:public-info-viewer grant to every authenticated user (GET).
const DISCOVERY_PATHS = [/^\/apis?(\/.*)?$/, /^\/openapi(\/.*)?$/, /^\/(readyz|livez|healthz|version\/?)$/]
// What system:basic-user grants to every authenticated user (create).
const SELF_REVIEWS = new Set([
  'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
])
const ANONYMOUS: AuthenticatedUser = { username: 'system:anonymous', uid: '', groups: ['system:unauthenticated'], extra: {} }
const RESOURCE_VERSION = '4242'

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
    void serveRequest(req, res, routes, requests, opts.auth)
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
  auth: ApiServerAuth | undefined,
): Promise<void> {
  const method = req.method ?? 'GET'
  const url = new URL(req.url ?? '/', `https://${LOOPBACK}`)
  const { authorization, ...headers } = req.headers
  const record: RecordedRequest = { method, path: url.pathname, query: url.search, headers, hasAuthorization: authorization !== undefined }
  requests.push(record)

  try {
    const rawBody = await readBody(req)
    const body = rawBody.toString('utf8')
    let user: AuthenticatedUser | undefined
    if (auth) {
      const gate = await authenticateRequest(auth, method, url.pathname, authorization)
      if ('refusal' in gate) return sendResponse(res, gate.refusal)
      user = gate.user
      record.username = user.username
      const refusal = authorizeRequest(auth, user, parseRequestAttributes(method, url))
      if (refusal) return sendResponse(res, refusal)
    }
    const handle =
      routes.get(routeKey(method, url.pathname)) ?? (auth ? findListHandler(method, url) : undefined) ?? handleNotFound
    const answer = await handle({ method, path: url.pathname, query: url.searchParams, headers, authorization, body, rawBody, user })
    sendResponse(res, answer)
  } catch (error) {
    if (!res.headersSent && !res.destroyed) {
      sendResponse(res, { status: 500, body: buildStatus(500, 'InternalError', String(error)) })
    }
  }
}

function buildDefaultRoutes(opts: ApiServerOptions): Route[] {
  const version = { ...DEFAULT_VERSION, ...opts.version }
  const health = (name: string, mode: ReadyzMode): RouteHandler => (req) => answerHealth(name, mode, req.query.has('verbose'))
  // Liveness does not fail with readiness here; the 401 mode (anonymous auth off) covers all three.
  const livenessMode = opts.readyz === 'unauthorized-401' ? 'unauthorized-401' : 'ok'
  return [
    { method: 'GET', path: '/readyz', handle: health('readyz', opts.readyz ?? 'ok') },
    { method: 'GET', path: '/livez', handle: health('livez', livenessMode) },
    { method: 'GET', path: '/healthz', handle: health('healthz', livenessMode) },
    { method: 'GET', path: '/version', handle: () => ({ status: 200, body: version }) },
    ...(opts.auth ? buildAuthRoutes(opts.auth) : []),
  ]
}

function answerHealth(name: string, mode: ReadyzMode, verbose: boolean): RouteResponse {
  if (mode === 'unauthorized-401') return { status: 401, body: UNAUTHORIZED_STATUS }
  if (mode === 'fail-500') {
    // The real apiserver is always verbose on failure and withholds the reason from the client.
    const lines = READYZ_CHECKS.map((check) => (check === 'etcd' ? '[-]etcd failed: reason withheld' : `[+]${check} ok`))
    return buildTextResponse(500, `${lines.join('\n')}\n${name} check failed\n`)
  }
  if (!verbose) return buildTextResponse(200, 'ok')
  return buildTextResponse(200, `${READYZ_CHECKS.map((check) => `[+]${check} ok`).join('\n')}\n${name} check passed\n`)
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

function readBody(req: IncomingMessage): Promise<Buffer> {
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
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`
}

// ---- authentication and authorisation (`auth`) ----

/** Builds the 403 Status the apiserver sends for a denied request (`responsewriters.Forbidden`). */
export function buildForbiddenStatus(user: AuthenticatedUser, attributes: AuthzAttributes, reason?: string): object {
  let message = describeForbidden(user.username, attributes)
  if (reason) message += `: ${reason}`
  if (attributes.resource === undefined) {
    return { ...buildStatusHead(`forbidden: ${message}`), reason: 'Forbidden', details: {}, code: 403 }
  }
  const group = attributes.group ?? ''
  const qualified = group ? `${attributes.resource}.${group}` : attributes.resource
  const head = attributes.name ? `${qualified} ${JSON.stringify(attributes.name)} is forbidden` : `${qualified} is forbidden`
  // StatusDetails fields are omitempty.
  const details = { ...(attributes.name ? { name: attributes.name } : {}), ...(group ? { group } : {}), kind: attributes.resource }
  return { ...buildStatusHead(`${head}: ${message}`), reason: 'Forbidden', details, code: 403 }
}

function buildStatusHead(message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message }
}

/** `forbiddenMessage()` of k8s.io/apiserver. */
function describeForbidden(username: string, a: AuthzAttributes): string {
  if (a.resource === undefined) return `User ${JSON.stringify(username)} cannot ${a.verb} path ${JSON.stringify(a.path ?? '')}`
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource
  const head = `User ${JSON.stringify(username)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.group ?? '')}`
  return a.namespace ? `${head} in the namespace ${JSON.stringify(a.namespace)}` : `${head} at the cluster scope`
}

async function authenticateRequest(
  auth: ApiServerAuth,
  method: string,
  path: string,
  authorization: string | undefined,
): Promise<{ user: AuthenticatedUser } | { refusal: RouteResponse }> {
  const refusal = { status: 401, body: UNAUTHORIZED_STATUS }
  const token = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1]
  if (token === undefined) {
    // Anonymous: only what system:public-info-viewer grants (EKS-like, anonymous limited to these paths).
    return method === 'GET' && PUBLIC_PATHS.has(path) ? { user: ANONYMOUS } : { refusal }
  }
  // A token that fails is a 401 even on /readyz: anonymous applies only when no credential is sent.
  const result = await auth.authenticate(token)
  return result.ok ? { user: result.user } : { refusal }
}

/** The 403 for a denied request, or undefined when it may proceed. */
function authorizeRequest(auth: ApiServerAuth, user: AuthenticatedUser, a: AuthzAttributes): RouteResponse | undefined {
  if (user.username === ANONYMOUS.username) return undefined
  if (a.resource === undefined && a.verb === 'get' && DISCOVERY_PATHS.some((p) => p.test(a.path ?? ''))) return undefined
  if (a.verb === 'create' && !a.namespace && SELF_REVIEWS.has(`${a.group}/${a.resource}`)) return undefined
  const decision = auth.authorize(user, a)
  if (decision.allowed) return undefined
  return { status: 403, body: buildForbiddenStatus(user, a, decision.reason) }
}

const VERB_BY_METHOD: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize'])

/** `RequestInfoFactory.NewRequestInfo` of k8s.io/apiserver, for the paths the fake can see. */
export function parseRequestAttributes(method: string, url: URL): AuthzAttributes {
  const nonResource: AuthzAttributes = { verb: method.toLowerCase(), path: url.pathname }
  const parts = url.pathname.split('/').filter(Boolean)
  let rest: string[]
  let group: string
  let version: string | undefined
  if (parts[0] === 'api' && parts.length >= 2) [group, version, rest] = ['', parts[1], parts.slice(2)]
  else if (parts[0] === 'apis' && parts.length >= 3) [group, version, rest] = [parts[1]!, parts[2], parts.slice(3)]
  else return nonResource
  if (rest.length === 0) return nonResource

  let namespace: string | undefined
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1]
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2)
  }
  const [resource, name, subresource] = rest
  let verb = VERB_BY_METHOD[method.toUpperCase()] ?? ''
  if (!name && verb === 'get') verb = ['true', '1'].includes(url.searchParams.get('watch') ?? '') ? 'watch' : 'list'
  if (!name && verb === 'delete') verb = 'deletecollection'
  return {
    verb,
    resource,
    group,
    version,
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
    ...(subresource ? { subresource } : {}),
  }
}

/** A resource the fake lists (always empty). */
interface ListedResource {
  name: string
  singularName: string
  kind: string
  namespaced: boolean
  shortNames: string[]
  /** Server-side printing columns (priority 0), as kubectl's Table request gets them. */
  columns: string[]
}

const LISTED: ListedResource[] = [
  { name: 'pods', singularName: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'], columns: ['Name', 'Ready', 'Status', 'Restarts', 'Age'] },
  { name: 'nodes', singularName: 'node', kind: 'Node', namespaced: false, shortNames: ['no'], columns: ['Name', 'Status', 'Roles', 'Age', 'Version'] },
  { name: 'namespaces', singularName: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'], columns: ['Name', 'Status', 'Age'] },
]
const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

/** The list handler for `GET /api/v1/[namespaces/{ns}/]pods`, `/api/v1/nodes`, `/api/v1/namespaces`. */
function findListHandler(method: string, url: URL): RouteHandler | undefined {
  if (method !== 'GET') return undefined
  const a = parseRequestAttributes(method, url)
  const listed = LISTED.find((r) => r.name === a.resource)
  if (!listed || a.group !== '' || a.version !== 'v1' || a.verb !== 'list') return undefined
  if (a.namespace && !listed.namespaced) return undefined
  return (req) => {
    const metadata = { resourceVersion: RESOURCE_VERSION }
    // kubectl get asks for `application/json;as=Table;v=v1;g=meta.k8s.io,...`.
    if (/as=Table/.test(String(req.headers.accept ?? ''))) {
      const columnDefinitions = listed.columns.map((name) => ({
        name,
        type: 'string',
        format: name === 'Name' ? 'name' : '',
        description: name === 'Name' ? 'Name must be unique within a namespace.' : '',
        priority: 0,
      }))
      return { status: 200, body: { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, columnDefinitions, rows: [] } }
    }
    return { status: 200, body: { kind: `${listed.kind}List`, apiVersion: 'v1', metadata, items: [] } }
  }
}

const AUTHENTICATION = 'authentication.k8s.io'
const AUTHORIZATION = 'authorization.k8s.io'

function buildAuthRoutes(auth: ApiServerAuth): Route[] {
  const groupVersion = (group: string, version: string) => ({ groupVersion: `${group}/${version}`, version })
  const resourceList = (gv: string, resources: object[]) => ({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources })
  const review = (name: string, kind: string) => ({ name, singularName: '', namespaced: false, kind, verbs: ['create'] })
  const get = (path: string, body: object): Route => ({ method: 'GET', path, handle: () => ({ status: 200, body }) })
  return [
    // Legacy discovery only: kubectl asks for the aggregated kind first and falls back on plain JSON.
    get('/api', {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `${LOOPBACK}:443` }],
    }),
    get(
      '/api/v1',
      resourceList(
        'v1',
        LISTED.map((r) => ({
          name: r.name,
          singularName: r.singularName,
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ALL_VERBS,
          shortNames: r.shortNames,
          ...(r.name === 'pods' ? { categories: ['all'] } : {}),
        })),
      ),
    ),
    get('/apis', {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [
        { name: AUTHENTICATION, versions: [groupVersion(AUTHENTICATION, 'v1'), groupVersion(AUTHENTICATION, 'v1beta1')], preferredVersion: groupVersion(AUTHENTICATION, 'v1') },
        { name: AUTHORIZATION, versions: [groupVersion(AUTHORIZATION, 'v1')], preferredVersion: groupVersion(AUTHORIZATION, 'v1') },
      ],
    }),
    get(`/apis/${AUTHENTICATION}/v1`, resourceList(`${AUTHENTICATION}/v1`, [review('selfsubjectreviews', 'SelfSubjectReview')])),
    get(`/apis/${AUTHENTICATION}/v1beta1`, resourceList(`${AUTHENTICATION}/v1beta1`, [review('selfsubjectreviews', 'SelfSubjectReview')])),
    get(`/apis/${AUTHORIZATION}/v1`, resourceList(`${AUTHORIZATION}/v1`, [review('selfsubjectaccessreviews', 'SelfSubjectAccessReview')])),
    ...['v1', 'v1beta1'].map((version) => ({
      method: 'POST',
      path: `/apis/${AUTHENTICATION}/${version}/selfsubjectreviews`,
      handle: (req: RouteRequest) => answerSelfSubjectReview(`${AUTHENTICATION}/${version}`, req.user ?? ANONYMOUS),
    })),
    {
      method: 'POST',
      path: `/apis/${AUTHORIZATION}/v1/selfsubjectaccessreviews`,
      handle: (req) => answerSelfSubjectAccessReview(auth, req.user ?? ANONYMOUS, req),
    },
  ]
}

function answerSelfSubjectReview(apiVersion: string, user: AuthenticatedUser): RouteResponse {
  // UserInfo's uid and extra are omitempty.
  const userInfo = {
    username: user.username,
    ...(user.uid ? { uid: user.uid } : {}),
    groups: user.groups,
    ...(Object.keys(user.extra).length > 0 ? { extra: user.extra } : {}),
  }
  return { status: 201, body: { kind: 'SelfSubjectReview', apiVersion, metadata: { creationTimestamp: null }, status: { userInfo } } }
}

type ReviewSpec = { resourceAttributes?: Record<string, string>; nonResourceAttributes?: Record<string, string> }

function answerSelfSubjectAccessReview(auth: ApiServerAuth, user: AuthenticatedUser, req: RouteRequest): RouteResponse {
  const spec = String(req.headers['content-type'] ?? '').startsWith('application/vnd.kubernetes.protobuf')
    ? decodeProtobufReviewSpec(req.rawBody)
    : decodeJsonReviewSpec(req.body)
  if (spec === undefined) {
    return { status: 400, body: buildStatus(400, 'BadRequest', 'the object provided is unrecognized (must be of type SelfSubjectAccessReview)') }
  }
  const resource = spec.resourceAttributes
  const nonResource = spec.nonResourceAttributes
  if (!resource === !nonResource) {
    const message =
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified'
    return { status: 422, body: buildStatus(422, 'Invalid', message) }
  }
  const attributes: AuthzAttributes = resource
    ? {
        verb: resource.verb ?? '',
        resource: resource.resource ?? '',
        group: resource.group ?? '',
        ...(resource.version ? { version: resource.version } : {}),
        ...(resource.namespace ? { namespace: resource.namespace } : {}),
        ...(resource.name ? { name: resource.name } : {}),
        ...(resource.subresource ? { subresource: resource.subresource } : {}),
      }
    : { verb: nonResource?.verb ?? '', path: nonResource?.path ?? '' }
  const decision = auth.authorize(user, attributes)
  const status = {
    allowed: decision.allowed,
    ...(decision.denied ? { denied: true } : {}),
    ...(decision.reason ? { reason: decision.reason } : {}),
  }
  return {
    status: 201,
    body: { kind: 'SelfSubjectAccessReview', apiVersion: `${AUTHORIZATION}/v1`, metadata: { creationTimestamp: null }, spec, status },
  }
}

/**
 * A tiny RBAC: a request is allowed when one rule matches its verb, API group, resource (or
 * `resource/subresource`, `*`) and namespace, or its non-resource path; the reason reads like the
 * RBAC authorizer's. No match is "no opinion": allowed false, no reason, as RBAC answers.
 */
export function allowRules(rules: AllowRule[]): Authorize {
  return (user, a) => {
    for (const [index, rule] of rules.entries()) {
      const subject = matchSubject(rule, user)
      if (!subject || !matchesAny(rule.verbs, a.verb)) continue
      const name = rule.name ?? `eksdoctor-test-${index}`
      if (a.resource === undefined) {
        if (rule.namespaces || !rule.nonResourceURLs?.some((url) => matchesPath(url, a.path ?? ''))) continue
        return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${name}" of ClusterRole "${name}" to ${subject}` }
      }
      if (!matchesAny(rule.apiGroups ?? ['*'], a.group ?? '')) continue
      const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource
      const resourceOk = rule.resources.some((r) => r === '*' || r === resource || (a.subresource !== undefined && r === `*/${a.subresource}`))
      if (!resourceOk) continue
      if (rule.namespaces) {
        if (!a.namespace || !rule.namespaces.includes(a.namespace)) continue
        return { allowed: true, reason: `RBAC: allowed by RoleBinding "${name}/${a.namespace}" of Role "${name}" to ${subject}` }
      }
      return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${name}" of ClusterRole "${name}" to ${subject}` }
    }
    return { allowed: false }
  }
}

/** Everything, to every authenticated user (EKS's AmazonEKSClusterAdminPolicy / cluster-admin). */
export const clusterAdmin: Authorize = allowRules([
  { name: 'cluster-admin', verbs: ['*'], resources: ['*'], nonResourceURLs: ['*'] },
])

function matchSubject(rule: AllowRule, user: AuthenticatedUser): string | undefined {
  if (!rule.users && !rule.groups) return user.groups.includes('system:authenticated') ? 'Group "system:authenticated"' : undefined
  if (rule.users?.includes(user.username)) return `User ${JSON.stringify(user.username)}`
  const group = rule.groups?.find((g) => user.groups.includes(g))
  return group === undefined ? undefined : `Group ${JSON.stringify(group)}`
}

function matchesAny(allowed: string[], value: string): boolean {
  return allowed.includes('*') || allowed.includes(value)
}

function matchesPath(pattern: string, path: string): boolean {
  return pattern === '*' || pattern === path || (pattern.endsWith('*') && path.startsWith(pattern.slice(0, -1)))
}

function decodeJsonReviewSpec(body: string): ReviewSpec | undefined {
  try {
    const parsed = JSON.parse(body) as { spec?: ReviewSpec } | null
    return parsed?.spec ?? {}
  } catch {
    return undefined
  }
}

// The k8s protobuf envelope: magic `k8s\0`, then runtime.Unknown {1: typeMeta, 2: raw}.
const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00])
// generated.proto field numbers: ResourceAttributes and NonResourceAttributes (authorization/v1).
const RESOURCE_FIELDS = ['', 'namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name']
const NON_RESOURCE_FIELDS = ['', 'path', 'verb']

/** The spec of a protobuf SelfSubjectAccessReview {1: metadata, 2: spec {1: resource, 2: nonResource}}. */
function decodeProtobufReviewSpec(body: Buffer): ReviewSpec | undefined {
  try {
    if (!body.subarray(0, 4).equals(PROTOBUF_MAGIC)) return undefined
    const raw = readProtobuf(body.subarray(4)).get(2)?.[0]
    const spec = raw && readProtobuf(raw).get(2)?.[0]
    if (!spec) return {}
    const fields = readProtobuf(spec)
    const strings = (message: Buffer | undefined, names: string[]) => {
      if (!message) return undefined
      const out: Record<string, string> = {}
      for (const [field, values] of readProtobuf(message)) {
        const name = names[field]
        if (name && values[0]) out[name] = values[0].toString('utf8')
      }
      return out
    }
    const resourceAttributes = strings(fields.get(1)?.[0], RESOURCE_FIELDS)
    const nonResourceAttributes = strings(fields.get(2)?.[0], NON_RESOURCE_FIELDS)
    return { ...(resourceAttributes ? { resourceAttributes } : {}), ...(nonResourceAttributes ? { nonResourceAttributes } : {}) }
  } catch {
    return undefined
  }
}

/** The length-delimited fields of one protobuf message by number (other wire types skipped). */
function readProtobuf(buf: Buffer): Map<number, Buffer[]> {
  const fields = new Map<number, Buffer[]>()
  let offset = 0
  const varint = (): number => {
    let value = 0
    for (let shift = 0; ; shift += 7) {
      if (offset >= buf.length || shift > 49) throw new Error('bad varint')
      const byte = buf[offset++]!
      value += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) return value
    }
  }
  while (offset < buf.length) {
    const key = varint()
    const [field, wireType] = [Math.floor(key / 8), key & 7]
    if (wireType === 0) varint()
    else if (wireType === 1) offset += 8
    else if (wireType === 5) offset += 4
    else if (wireType === 2) {
      const length = varint()
      if (offset + length > buf.length) throw new Error('truncated field')
      fields.set(field, [...(fields.get(field) ?? []), buf.subarray(offset, offset + length)])
      offset += length
    } else throw new Error(`unsupported wire type ${wireType}`)
  }
  return fields
}
