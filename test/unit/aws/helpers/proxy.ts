/**
 * A corporate proxy on loopback, as the AWS tests need it: CONNECT tunnels (HTTPS_PROXY) and
 * absolute-URI forwarding (HTTP_PROXY), each to a loopback port chosen by the host asked for, so
 * an endpoint under `.invalid` is reachable through the proxy and nowhere else. Every target asked
 * for is recorded; a host without a route is refused (502) and never dialled, so nothing leaves
 * the machine. `tunnels` and `forwards` count what actually went through.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'

export interface LoopbackProxy {
  url: string
  /** Every CONNECT target (`host:port`), answered or not. */
  connects: string[]
  /** Every absolute URI asked for by plain HTTP (`GET http://host/path`). */
  requests: string[]
  /** CONNECTs that became tunnels, and plain requests forwarded. */
  readonly tunnels: number
  readonly forwards: number
  close(): Promise<void>
}

/** `route(host)`: the loopback port a host is served on, or undefined to refuse it. */
export async function startLoopbackProxy(route: (host: string) => number | undefined): Promise<LoopbackProxy> {
  const sockets = new Set<Socket>()
  const connects: string[] = []
  const requests: string[] = []
  let tunnels = 0
  let forwards = 0
  const server: Server = createServer((req: IncomingMessage, res) => {
    requests.push(`${req.method} ${req.url}`)
    let target: URL
    try {
      target = new URL(req.url ?? '')
    } catch {
      res.writeHead(400).end()
      return
    }
    const port = route(target.hostname)
    if (port === undefined) {
      res.writeHead(502, { connection: 'close' }).end()
      return
    }
    forwards++
    // The upstream sees the Host the client signed; only the socket goes to loopback.
    const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.writeHead(502).end())
    req.pipe(upstream)
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? ''
    connects.push(target)
    client.on('error', () => {})
    const host = target.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
    const port = route(host)
    if (port === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    const upstream = connect({ host: '127.0.0.1', port })
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.on('error', () => client.destroy())
    upstream.once('connect', () => {
      tunnels++
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
      client.once('close', () => upstream.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    requests,
    get tunnels() {
      return tunnels
    },
    get forwards() {
      return forwards
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Node's built-in proxy support (the agents' `proxyEnv`), which eksdoctor's transport relies on. */
export function nodeHasProxyEnv(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return (major === 22 && minor >= 21) || (major === 24 && minor >= 5) || major > 24
}

/** A TLS terminator on loopback in front of a plain HTTP server: what an AWS endpoint looks like from the proxy's far side. */
export interface TlsFront {
  port: number
  /** TLS connections accepted. */
  readonly accepted: number
  close(): Promise<void>
}

export async function startTlsFront(pair: { certPem: string; keyPem: string }, upstreamPort: number): Promise<TlsFront> {
  const { createServer: createTlsServer } = await import('node:tls')
  const sockets = new Set<Socket>()
  let accepted = 0
  const server = createTlsServer({ cert: pair.certPem, key: pair.keyPem }, (tlsSocket) => {
    accepted++
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort })
    sockets.add(tlsSocket)
    sockets.add(upstream)
    tlsSocket.on('error', () => upstream.destroy())
    upstream.on('error', () => tlsSocket.destroy())
    tlsSocket.pipe(upstream).pipe(tlsSocket)
    tlsSocket.on('close', () => (sockets.delete(tlsSocket), upstream.destroy()))
    upstream.on('close', () => sockets.delete(upstream))
  })
  // A handshake a client refuses (an unknown CA) is the client's story, not an error here.
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
