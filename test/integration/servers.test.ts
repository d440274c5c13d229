import { request as httpRequest } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { connect as netConnect } from 'node:net'
import type { Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { startApiServer } from '../helpers/api-server.js'
import type { ApiServer } from '../helpers/api-server.js'
import { findClosedPort, startHttpConnectProxy, startSilentServer } from '../helpers/fault-servers.js'
import { createCa, createTempDir, issueServerCert, removeTempDir } from '../helpers/pki.js'
import type { Ca, KeyPair } from '../helpers/pki.js'

const ENDPOINT_HOST = 'abc123def456.gr7.ap-northeast-2.eks.amazonaws.com'
const WAIT_MS = 2_000

interface HandshakeResult {
  authorized: boolean
  code?: string
  subjectAltName?: string
}

interface HttpResult {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

let pkiDir: string
let ca: Ca
let healthyCert: KeyPair
let expiredCert: KeyPair
let foreignCert: KeyPair
let pkiMs: number
const suiteClosers: Array<() => Promise<void>> = []
const testClosers: Array<() => Promise<void>> = []

beforeAll(() => {
  const started = performance.now()
  pkiDir = createTempDir()
  ca = createCa(pkiDir)
  const names = { commonName: 'kube-apiserver', dnsNames: [ENDPOINT_HOST, 'localhost'], ipAddresses: ['127.0.0.1'] }
  healthyCert = issueServerCert(ca, names)
  expiredCert = issueServerCert(ca, { ...names, expired: true })
  foreignCert = issueServerCert(createCa(pkiDir, 'kubernetes'), names)
  pkiMs = performance.now() - started
})

afterEach(async () => {
  await Promise.all(testClosers.splice(0).map((close) => close()))
})

afterAll(async () => {
  await Promise.all(suiteClosers.splice(0).map((close) => close()))
  if (pkiDir) removeTempDir(pkiDir)
})

async function startTracked(
  closers: Array<() => Promise<void>>,
  opts: Parameters<typeof startApiServer>[0],
): Promise<ApiServer> {
  const server = await startApiServer(opts)
  closers.push(() => server.close())
  return server
}

function handshake(port: number, opts: { servername?: string; ca: string }): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: opts.ca, servername: opts.servername, timeout: WAIT_MS })
    socket.once('secureConnect', () => {
      resolve({ authorized: socket.authorized, subjectAltName: socket.getPeerCertificate().subjectaltname })
      socket.destroy()
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve({ authorized: false, code: error.code })
      socket.destroy()
    })
    socket.once('timeout', () => {
      reject(new Error('TLS handshake timed out'))
      socket.destroy()
    })
  })
}

function fetchOverTls(
  server: ApiServer,
  path: string,
  opts: { headers?: Record<string, string>; method?: string; body?: string; socket?: Socket } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const tunnel = opts.socket
    const req = httpsRequest({
      host: '127.0.0.1',
      port: server.port,
      path,
      method: opts.method ?? 'GET',
      headers: opts.headers,
      ca: ca.certPem,
      servername: ENDPOINT_HOST,
      agent: false,
      timeout: WAIT_MS,
      ...(tunnel
        ? { createConnection: () => tlsConnect({ socket: tunnel, ca: ca.certPem, servername: ENDPOINT_HOST }) }
        : {}),
    })
    req.once('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      )
      res.once('error', reject)
    })
    req.once('timeout', () => req.destroy(new Error(`request to ${path} timed out`)))
    req.once('error', reject)
    req.end(opts.body)
  })
}

/** Sends CONNECT to the proxy; resolves with the status and, on 200, the tunnel socket. */
function sendConnect(proxyPort: number, target: string): Promise<{ status: number; socket?: Socket }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: target, timeout: WAIT_MS })
    req.once('connect', (res, socket: Socket) => {
      if (res.statusCode === 200) {
        testClosers.push(async () => void socket.destroy())
        resolve({ status: 200, socket })
      } else {
        socket.destroy()
        resolve({ status: res.statusCode ?? 0 })
      }
    })
    req.once('response', (res) => {
      res.resume()
      resolve({ status: res.statusCode ?? 0 })
    })
    req.once('timeout', () => req.destroy(new Error(`CONNECT ${target} timed out`)))
    req.once('error', reject)
    req.end()
  })
}

function connectTcp(port: number): Promise<{ socket?: Socket; code?: string }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port, timeout: WAIT_MS })
    socket.once('connect', () => {
      socket.setTimeout(0)
      testClosers.push(async () => void socket.destroy())
      resolve({ socket })
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code }))
    socket.once('timeout', () => {
      socket.destroy()
      reject(new Error('TCP connect timed out'))
    })
  })
}

describe('pki', () => {
  it('issues a CA and server certificates quickly', () => {
    expect(pkiMs).toBeLessThan(2_000)
    expect(ca.certPem).toContain('BEGIN CERTIFICATE')
    expect(ca.keyPem).toContain('PRIVATE KEY')
  })
})

describe('api server', () => {
  let healthy: ApiServer

  beforeAll(async () => {
    healthy = await startTracked(suiteClosers, {
      cert: healthyCert.certPem,
      key: healthyCert.keyPem,
      routes: [
        {
          method: 'POST',
          path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
          handle: (req) => ({
            status: 201,
            body: { kind: 'SelfSubjectReview', status: { userInfo: { username: req.authorization ? 'admin' : '' } } },
          }),
        },
      ],
    })
  })

  it('listens on loopback only', () => {
    expect(healthy.url).toBe(`https://127.0.0.1:${healthy.port}`)
  })

  it('presents a certificate that verifies against the CA for the endpoint name and the IP', async () => {
    const byName = await handshake(healthy.port, { servername: ENDPOINT_HOST, ca: ca.certPem })
    expect(byName).toMatchObject({ authorized: true })
    expect(byName.subjectAltName).toContain(`DNS:${ENDPOINT_HOST}`)
    expect(byName.subjectAltName).toContain('IP Address:127.0.0.1')

    expect(await handshake(healthy.port, { ca: ca.certPem })).toMatchObject({ authorized: true })
  })

  it('fails hostname verification for a name not in the SANs', async () => {
    const result = await handshake(healthy.port, { servername: 'other.eks.amazonaws.com', ca: ca.certPem })
    expect(result).toEqual({ authorized: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
  })

  it('is rejected as expired when serving the expired certificate', async () => {
    const expired = await startTracked(testClosers, { cert: expiredCert.certPem, key: expiredCert.keyPem })
    const result = await handshake(expired.port, { servername: ENDPOINT_HOST, ca: ca.certPem })
    expect(result).toEqual({ authorized: false, code: 'CERT_HAS_EXPIRED' })
  })

  it('fails verification when the certificate comes from another CA with the same name', async () => {
    const foreign = await startTracked(testClosers, { cert: foreignCert.certPem, key: foreignCert.keyPem })
    const result = await handshake(foreign.port, { servername: ENDPOINT_HOST, ca: ca.certPem })
    expect(result.authorized).toBe(false)
    expect(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']).toContain(result.code)
  })

  it('answers /readyz with ok, and with the check list under ?verbose', async () => {
    const plain = await fetchOverTls(healthy, '/readyz')
    expect(plain).toMatchObject({ status: 200, body: 'ok' })
    expect(plain.headers['content-type']).toMatch(/^text\/plain/)

    const verbose = await fetchOverTls(healthy, '/readyz?verbose')
    expect(verbose.status).toBe(200)
    expect(verbose.body).toMatch(/^\[\+\]ping ok\n/)
    expect(verbose.body).toContain('[+]etcd ok\n')
    expect(verbose.body.endsWith('readyz check passed\n')).toBe(true)
  })

  it('answers /version with the version JSON', async () => {
    const result = await fetchOverTls(healthy, '/version')
    expect(result.status).toBe(200)
    expect(result.headers['content-type']).toBe('application/json')
    expect(JSON.parse(result.body)).toMatchObject({
      major: '1',
      minor: expect.any(String),
      gitVersion: expect.stringMatching(/^v1\.\d+\.\d+/),
      platform: 'linux/amd64',
    })
  })

  it('answers an unknown path with a NotFound Status', async () => {
    const result = await fetchOverTls(healthy, '/apis/nothing')
    expect(result.status).toBe(404)
    expect(JSON.parse(result.body)).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 })
  })

  it('serves routes added by the caller and records requests without the token', async () => {
    const before = healthy.requests.length
    const result = await fetchOverTls(healthy, '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      method: 'POST',
      headers: { authorization: 'Bearer k8s-aws-v1.secret', 'content-type': 'application/json' },
      body: '{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1"}',
    })
    expect(result.status).toBe(201)
    expect(JSON.parse(result.body)).toMatchObject({ status: { userInfo: { username: 'admin' } } })

    const recorded = healthy.requests.slice(before)
    expect(recorded).toHaveLength(1)
    expect(recorded[0]).toMatchObject({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      hasAuthorization: true,
    })
    expect(recorded[0]?.headers).not.toHaveProperty('authorization')
    expect(JSON.stringify(healthy.requests)).not.toContain('k8s-aws-v1.secret')
  })

  it('fails /readyz with the apiserver 500 body in fail-500 mode', async () => {
    const failing = await startTracked(testClosers, { cert: healthyCert.certPem, key: healthyCert.keyPem, readyz: 'fail-500' })
    const result = await fetchOverTls(failing, '/readyz')
    expect(result.status).toBe(500)
    expect(result.body).toContain('[-]etcd failed: reason withheld\n')
    expect(result.body.endsWith('readyz check failed\n')).toBe(true)
  })

  it('answers /readyz with a 401 Status in unauthorized-401 mode', async () => {
    const locked = await startTracked(testClosers, {
      cert: healthyCert.certPem,
      key: healthyCert.keyPem,
      readyz: 'unauthorized-401',
    })
    const result = await fetchOverTls(locked, '/readyz')
    expect(result.status).toBe(401)
    expect(result.headers['content-type']).toBe('application/json')
    expect(JSON.parse(result.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    })
    expect(locked.requests).toEqual([expect.objectContaining({ method: 'GET', path: '/readyz', hasAuthorization: false })])
  })

  it('closes promptly while a client still holds a connection open', async () => {
    const server = await startApiServer({ cert: healthyCert.certPem, key: healthyCert.keyPem })
    testClosers.push(() => server.close())
    const { socket } = await connectTcp(server.port)
    expect(socket).toBeDefined()
    const started = performance.now()
    await server.close()
    expect(performance.now() - started).toBeLessThan(1_000)
  })
})

describe('fault servers', () => {
  it('silent server accepts a connection and sends nothing within 300 ms', async () => {
    const silent = await startSilentServer()
    testClosers.push(() => silent.close())
    const { socket } = await connectTcp(silent.port)
    if (!socket) throw new Error('expected the silent server to accept')

    const received = await new Promise<number>((resolve) => {
      let bytes = 0
      socket.on('data', (chunk: Buffer) => {
        bytes += chunk.length
      })
      socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
      setTimeout(() => resolve(bytes), 300)
    })
    expect(received).toBe(0)
    expect(silent.accepted).toBe(1)
  })

  it('closed port refuses the connection', async () => {
    const port = await findClosedPort()
    expect(await connectTcp(port)).toEqual({ code: 'ECONNREFUSED' })
  })
})

describe('http connect proxy', () => {
  let healthy: ApiServer

  beforeAll(async () => {
    healthy = await startTracked(suiteClosers, { cert: healthyCert.certPem, key: healthyCert.keyPem })
  })

  it('tunnels to the API server on loopback, with TLS verified end to end', async () => {
    const proxy = await startHttpConnectProxy()
    testClosers.push(() => proxy.close())
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`)

    for (const host of ['127.0.0.1', 'localhost']) {
      const tunnel = await sendConnect(proxy.port, `${host}:${healthy.port}`)
      expect(tunnel.status).toBe(200)
      const result = await fetchOverTls(healthy, '/readyz', { socket: tunnel.socket })
      expect(result).toMatchObject({ status: 200, body: 'ok' })
    }
    expect(proxy.connects).toEqual([`127.0.0.1:${healthy.port}`, `localhost:${healthy.port}`])
    expect(proxy.dials).toEqual(proxy.connects)
  })

  it('answers 403 to a non-loopback target without dialling it', async () => {
    const proxy = await startHttpConnectProxy()
    testClosers.push(() => proxy.close())
    // TEST-NET-1 and a private EKS-like address: dialling either would hang, not answer fast.
    for (const target of ['192.0.2.1:443', '10.0.10.239:443', 'abc.gr7.ap-northeast-2.eks.amazonaws.com:443']) {
      expect(await sendConnect(proxy.port, target)).toEqual({ status: 403 })
    }
    expect(proxy.connects).toHaveLength(3)
    expect(proxy.dials).toEqual([])
  })

  it('answers 502 to every CONNECT when refusing', async () => {
    const proxy = await startHttpConnectProxy({ refuse: true })
    testClosers.push(() => proxy.close())
    expect(await sendConnect(proxy.port, `127.0.0.1:${healthy.port}`)).toEqual({ status: 502 })
    expect(proxy.connects).toEqual([`127.0.0.1:${healthy.port}`])
    expect(proxy.dials).toEqual([])
  })
})
