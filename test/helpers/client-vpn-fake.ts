/**
 * AWS Client VPN for the tests, which moto does not emulate: a loopback HTTP server that answers
 * the four Client VPN reads eksdoctor makes (DescribeClientVpnEndpoints, -TargetNetworks,
 * -AuthorizationRules, -Routes) over the EC2 Query protocol, and passes every other request to
 * moto unchanged, so VPCs, subnets, security groups, ENIs and route tables stay real moto. Point
 * the CLI at it with AWS_ENDPOINT_URL_EC2.
 *
 * The answers follow the documented shapes (test/fixtures/SOURCES.md, "AWS Client VPN"): the
 * element names of the EC2 API Reference (clientVpnEndpoint, clientVpnTargetNetworks,
 * authorizationRule, routes; every list as <item>s; status as <code>/<message>), the Query
 * protocol's <ActionResponse xmlns=".../2016-11-15/"> with a requestId, nextToken paging
 * (MaxResults 5-1000), the documented filters, and EC2's <Response><Errors> error shape. The
 * values are the test's: it edits `endpoints` between runs. What the fake does not do: it checks
 * no signature (only that one is there), keeps no connections, and lets a test set any state, even
 * one AWS would not reach (a route whose subnet is not associated).
 */
import { randomUUID } from 'node:crypto'
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type FakeAuthentication =
  | { type: 'certificate-authentication'; clientRootCertificateChain: string }
  | { type: 'federated-authentication'; samlProviderArn: string }
  | { type: 'directory-service-authentication'; directoryId: string }

export interface FakeAssociation {
  id: string
  subnetId: string
  vpcId: string
  /** associating | associated (default) | association-failed | disassociating | disassociated */
  status?: string
  statusMessage?: string
  securityGroupIds?: string[]
}

export interface FakeAuthorizationRule {
  destinationCidr: string
  accessAll?: boolean
  groupId?: string
  /** authorizing | active (default) | failed | revoking */
  status?: string
  statusMessage?: string
  description?: string
}

export interface FakeClientVpnRoute {
  destinationCidr: string
  targetSubnet: string
  /** associate (added by an association) | add-route (default) */
  origin?: string
  /** creating | active (default) | failed | deleting */
  status?: string
  statusMessage?: string
  description?: string
}

/** A Client VPN endpoint with everything the four reads return about it. */
export interface FakeClientVpnEndpoint {
  id: string
  region: string
  /** pending-associate | available (default) | deleting | deleted */
  status?: string
  statusMessage?: string
  description?: string
  name?: string
  clientCidrBlock: string
  splitTunnel?: boolean
  vpcId?: string
  securityGroupIds?: string[]
  dnsServers?: string[]
  serverCertificateArn: string
  authentication: FakeAuthentication[]
  transportProtocol?: 'udp' | 'tcp'
  vpnPort?: number
  associations: FakeAssociation[]
  rules: FakeAuthorizationRule[]
  routes: FakeClientVpnRoute[]
}

export interface ClientVpnFake {
  url: string
  /** By endpoint id; read on every request, so a test may edit them. */
  endpoints: Map<string, FakeClientVpnEndpoint>
  /** Actions to answer with UnauthorizedOperation, as AWS does for a caller without the permission. */
  denied: Set<string>
  /** At most this many items a page when the request sets no MaxResults (AWS: all of them, up to 1000). */
  pageSize: number
  /** Every request, with the SigV4 credential scope (never the signature), and whether it went to moto. */
  requests: { action: string; credentialScope?: string; proxied: boolean }[]
  close(): Promise<void>
}

const CLIENT_VPN_ACTIONS = new Set(['DescribeClientVpnEndpoints', 'DescribeClientVpnTargetNetworks', 'DescribeClientVpnAuthorizationRules', 'DescribeClientVpnRoutes'])
const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/'
const CREATED = '2026-11-02T08:15:42'

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

/** An element with text, or nothing when the value is absent. */
function el(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escape(String(value))}</${name}>`
}

function list(name: string, inner: string[]): string {
  return `<${name}>${inner.map((i) => `<item>${i}</item>`).join('')}</${name}>`
}

function status(code: string, message?: string): string {
  return `<status>${el('code', code)}${el('message', message)}</status>`
}

function endpointXml(e: FakeClientVpnEndpoint): string {
  const auth = e.authentication.map((a) =>
    a.type === 'certificate-authentication'
      ? `${el('type', a.type)}<mutualAuthentication>${el('clientRootCertificateChain', a.clientRootCertificateChain)}</mutualAuthentication>`
      : a.type === 'federated-authentication'
        ? `${el('type', a.type)}<federatedAuthentication>${el('samlProviderArn', a.samlProviderArn)}</federatedAuthentication>`
        : `${el('type', a.type)}<activeDirectory>${el('directoryId', a.directoryId)}</activeDirectory>`,
  )
  return [
    el('clientVpnEndpointId', e.id),
    el('description', e.description ?? ''),
    status(e.status ?? 'available', e.statusMessage),
    el('creationTime', CREATED),
    el('dnsName', `*.${e.id}.prod.clientvpn.${e.region}.amazonaws.com`),
    el('clientCidrBlock', e.clientCidrBlock),
    list('dnsServer', (e.dnsServers ?? []).map(escape)),
    el('splitTunnel', e.splitTunnel ?? false),
    el('vpnProtocol', 'openvpn'),
    el('transportProtocol', e.transportProtocol ?? 'udp'),
    el('vpnPort', e.vpnPort ?? 443),
    el('serverCertificateArn', e.serverCertificateArn),
    list('authenticationOptions', auth),
    // The model gives these members no XML names, so EC2 writes them capitalised.
    `<connectionLogOptions>${el('Enabled', false)}</connectionLogOptions>`,
    list('tagSet', e.name ? [`${el('key', 'Name')}${el('value', e.name)}`] : []),
    list('securityGroupIdSet', (e.securityGroupIds ?? []).map(escape)),
    el('vpcId', e.vpcId),
    `<clientConnectOptions>${el('enabled', false)}${status('applied')}</clientConnectOptions>`,
    el('sessionTimeoutHours', 24),
    `<clientLoginBannerOptions>${el('enabled', false)}</clientLoginBannerOptions>`,
    `<clientRouteEnforcementOptions>${el('enforced', false)}</clientRouteEnforcementOptions>`,
    el('disconnectOnSessionTimeout', true),
  ].join('')
}

function associationXml(e: FakeClientVpnEndpoint, a: FakeAssociation): string {
  return [
    el('associationId', a.id),
    el('vpcId', a.vpcId),
    el('targetNetworkId', a.subnetId),
    el('clientVpnEndpointId', e.id),
    status(a.status ?? 'associated', a.statusMessage),
    list('securityGroups', (a.securityGroupIds ?? e.securityGroupIds ?? []).map(escape)),
  ].join('')
}

function ruleXml(e: FakeClientVpnEndpoint, r: FakeAuthorizationRule): string {
  return [
    el('clientVpnEndpointId', e.id),
    el('description', r.description),
    el('groupId', r.accessAll ? undefined : r.groupId),
    el('accessAll', r.accessAll ?? false),
    el('destinationCidr', r.destinationCidr),
    status(r.status ?? 'active', r.statusMessage),
  ].join('')
}

function routeXml(e: FakeClientVpnEndpoint, r: FakeClientVpnRoute): string {
  return [
    el('clientVpnEndpointId', e.id),
    el('destinationCidr', r.destinationCidr),
    el('targetSubnet', r.targetSubnet),
    el('type', 'Nat'),
    el('origin', r.origin ?? 'add-route'),
    status(r.status ?? 'active', r.statusMessage),
    el('description', r.description),
  ].join('')
}

class QueryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Query parameters as EC2 lists them: Name.1, Name.2, ... */
function listParam(params: URLSearchParams, name: string): string[] {
  const out: string[] = []
  for (let i = 1; params.has(`${name}.${i}`); i++) out.push(params.get(`${name}.${i}`) ?? '')
  return out
}

function filtersOf(params: URLSearchParams): Map<string, string[]> {
  const filters = new Map<string, string[]>()
  for (let i = 1; params.has(`Filter.${i}.Name`); i++) filters.set(params.get(`Filter.${i}.Name`) ?? '', listParam(params, `Filter.${i}.Value`))
  return filters
}

function applyFilters<T>(all: T[], filters: Map<string, string[]>, known: Record<string, (item: T) => string | undefined>): T[] {
  for (const name of filters.keys()) if (!known[name]) throw new QueryError(400, 'InvalidParameterValue', `The filter '${name}' is invalid`)
  return all.filter((item) => [...filters].every(([name, values]) => values.includes(known[name]?.(item) ?? '')))
}

/** One page of items: MaxResults 5-1000 as documented, NextToken an opaque offset. */
function page(params: URLSearchParams, items: string[], fallback: number): { items: string[]; next?: string } {
  const raw = params.get('MaxResults')
  const max = raw === null ? fallback : Number(raw)
  if (raw !== null && (!Number.isInteger(max) || max < 5 || max > 1000)) {
    throw new QueryError(400, 'InvalidParameterValue', `Value ( ${raw} ) for parameter maxResults is invalid. Parameter must be between 5 and 1000.`)
  }
  const token = params.get('NextToken')
  const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new QueryError(400, 'InvalidParameterValue', 'The token provided is invalid.')
  const end = start + max
  return { items: items.slice(start, end), ...(end < items.length ? { next: Buffer.from(String(end)).toString('base64url') } : {}) }
}

function answer(state: ClientVpnFake, action: string, params: URLSearchParams, region: string): string {
  const inRegion = [...state.endpoints.values()].filter((e) => e.region === region)
  const endpointNamed = (): FakeClientVpnEndpoint => {
    const id = params.get('ClientVpnEndpointId')
    if (!id) throw new QueryError(400, 'MissingParameter', 'The request must contain the parameter ClientVpnEndpointId')
    const found = inRegion.find((e) => e.id === id)
    if (!found) throw new QueryError(400, 'InvalidClientVpnEndpointId.NotFound', `Endpoint ${id} does not exist`)
    return found
  }
  const filters = filtersOf(params)
  let listName: string
  let items: string[]
  if (action === 'DescribeClientVpnEndpoints') {
    const ids = listParam(params, 'ClientVpnEndpointId')
    const missing = ids.find((id) => !inRegion.some((e) => e.id === id))
    if (missing) throw new QueryError(400, 'InvalidClientVpnEndpointId.NotFound', `Endpoint ${missing} does not exist`)
    const chosen = applyFilters(ids.length ? inRegion.filter((e) => ids.includes(e.id)) : inRegion, filters, {
      'endpoint-id': (e) => e.id,
      'transport-protocol': (e) => e.transportProtocol ?? 'udp',
    })
    listName = 'clientVpnEndpoint'
    items = chosen.map(endpointXml)
  } else if (action === 'DescribeClientVpnTargetNetworks') {
    const e = endpointNamed()
    const ids = listParam(params, 'AssociationIds')
    const chosen = applyFilters(ids.length ? e.associations.filter((a) => ids.includes(a.id)) : e.associations, filters, {
      'association-id': (a) => a.id,
      'target-network-id': (a) => a.subnetId,
      'vpc-id': (a) => a.vpcId,
    })
    listName = 'clientVpnTargetNetworks'
    items = chosen.map((a) => associationXml(e, a))
  } else if (action === 'DescribeClientVpnAuthorizationRules') {
    const e = endpointNamed()
    const chosen = applyFilters(e.rules, filters, { description: (r) => r.description, 'destination-cidr': (r) => r.destinationCidr, 'group-id': (r) => r.groupId })
    listName = 'authorizationRule'
    items = chosen.map((r) => ruleXml(e, r))
  } else {
    const e = endpointNamed()
    const chosen = applyFilters(e.routes, filters, { 'destination-cidr': (r) => r.destinationCidr, origin: (r) => r.origin ?? 'add-route', 'target-subnet': (r) => r.targetSubnet })
    listName = 'routes'
    items = chosen.map((r) => routeXml(e, r))
  }
  const one = page(params, items, state.pageSize)
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${XMLNS}">${el('requestId', randomUUID())}${list(listName, one.items)}${el('nextToken', one.next)}</${action}Response>`
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', date: new Date().toUTCString() })
  res.end(body)
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendXml(res, status, `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${el('Code', code)}${el('Message', message)}</Error></Errors>${el('RequestID', randomUUID())}</Response>`)
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** The same request to moto, and moto's answer back as it came. */
function proxy(moto: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const upstream = request(
    { host: moto.hostname, port: moto.port, method: req.method, path: req.url, headers: { ...req.headers, host: moto.host }, timeout: 15_000 },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    },
  )
  upstream.on('timeout', () => upstream.destroy(new Error('moto did not answer in 15 s')))
  upstream.on('error', (error) => {
    if (!res.headersSent) sendError(res, 502, 'InternalError', `the Client VPN fake could not reach moto: ${error.message}`)
    else res.destroy()
  })
  upstream.end(body)
}

export async function startClientVpnFake(moto: { url: string }, endpoints: FakeClientVpnEndpoint[] = []): Promise<ClientVpnFake> {
  const motoUrl = new URL(moto.url)
  const state: ClientVpnFake = {
    url: '',
    endpoints: new Map(endpoints.map((e) => [e.id, e])),
    denied: new Set(),
    pageSize: 1000,
    requests: [],
    close: async () => undefined,
  }
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req)
      const url = new URL(req.url ?? '/', 'http://fake')
      const params = new URLSearchParams(req.method === 'POST' ? body.toString('utf8') : url.search)
      const action = params.get('Action') ?? ''
      const auth = req.headers.authorization ?? ''
      const credentialScope = /Credential=[^/]+\/([^,]+)/.exec(auth)?.[1]
      const mine = CLIENT_VPN_ACTIONS.has(action)
      state.requests.push({ action, credentialScope, proxied: !mine })
      if (!mine) return proxy(motoUrl, req, body, res)
      if (!auth.startsWith('AWS4-HMAC-SHA256')) return sendError(res, 401, 'AuthFailure', 'AWS was not able to validate the provided access credentials')
      if (state.denied.has(action)) return sendError(res, 403, 'UnauthorizedOperation', 'You are not authorized to perform this operation.')
      try {
        return sendXml(res, 200, answer(state, action, params, credentialScope?.split('/')[1] ?? 'us-east-1'))
      } catch (error) {
        if (error instanceof QueryError) return sendError(res, error.status, error.code, error.message)
        return sendError(res, 500, 'InternalError', String(error))
      }
    })().catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'InternalError', String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  state.url = `http://127.0.0.1:${port}`
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return state
}
