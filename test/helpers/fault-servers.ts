/** Loopback servers that fail the way a broken path to an API endpoint fails: silence, refusal, a proxy. */
import { createServer as createHttpServer } from 'node:http'
import { connect, createServer as createNetServer } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'

/** A TCP server that accepts and never answers, like an endpoint behind a blackholing VPN. */
export interface SilentServer {
  port: number
  /** Connections accepted so far. */
  readonly accepted: number
  close(): Promise<void>
}

/** A minimal HTTP CONNECT proxy that only ever tunnels to 127.0.0.1. */
export interface ConnectProxy {
  port: number
  url: string
  /** Every CONNECT target asked for (`host:port`), allowed or not. */
  connects: string[]
  /** The targets actually dialled; a refused or non-loopback target never appears here. */
  dials: string[]
  close(): Promise<void>
}

/** Options of `startHttpConnectProxy`; `refuse` answers every CONNECT with 502. */
export interface ConnectProxyOptions {
  refuse?: boolean
}

const LOOPBACK = '127.0.0.1'
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost'])
const DIAL_TIMEOUT_MS = 5_000

/** Starts a TCP server on 127.0.0.1 that accepts connections and never writes a byte. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>()
  let accepted = 0
  const server = createNetServer((socket) => {
    accepted += 1
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
  })
  const port = await listenOnLoopback(server)
  return {
    port,
    get accepted() {
      return accepted
    },
    close: () => closeServer(server, sockets),
  }
}

/** Returns a port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function findClosedPort(): Promise<number> {
  const server = createNetServer()
  const port = await listenOnLoopback(server)
  await closeServer(server, new Set())
  return port
}

/** Starts an HTTP CONNECT proxy on 127.0.0.1; targets other than 127.0.0.1/localhost get 403 and are never dialled. */
export async function startHttpConnectProxy(opts: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const sockets = new Set<Socket>()
  const connects: string[] = []
  const dials: string[] = []

  const server = createHttpServer((_req, res) => {
    // Plain-HTTP forwarding could reach any host; only tunnels to loopback are offered.
    res.writeHead(405, { 'content-type': 'text/plain', connection: 'close' })
    res.end('only CONNECT is supported\n')
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('connect', (req, clientSocket: Socket, head: Buffer) => {
    const target = req.url ?? ''
    connects.push(target)
    clientSocket.on('error', () => {})
    if (opts.refuse) return answerAndClose(clientSocket, '502 Bad Gateway')

    const parsed = parseTarget(target)
    if (!parsed) return answerAndClose(clientSocket, '400 Bad Request')
    if (!LOOPBACK_NAMES.has(parsed.host)) return answerAndClose(clientSocket, '403 Forbidden')

    dials.push(target)
    // `localhost` is dialled as 127.0.0.1 on purpose: it may resolve to ::1, and these helpers stay on 127.0.0.1.
    const upstream = connect({ host: LOOPBACK, port: parsed.port, timeout: DIAL_TIMEOUT_MS })
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.once('timeout', () => upstream.destroy(new Error('dial timeout')))
    upstream.once('error', () => {
      if (clientSocket.writable && upstream.bytesRead === 0) answerAndClose(clientSocket, '502 Bad Gateway')
      else clientSocket.destroy()
    })
    upstream.once('connect', () => {
      upstream.setTimeout(0)
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(clientSocket)
      clientSocket.pipe(upstream)
      clientSocket.once('close', () => upstream.destroy())
      upstream.once('close', () => clientSocket.destroy())
    })
  })

  const port = await listenOnLoopback(server)
  return {
    port,
    url: `http://${LOOPBACK}:${port}`,
    connects,
    dials,
    close: () => closeServer(server, sockets),
  }
}

function parseTarget(target: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(target)
  if (!match?.[1] || !match[2]) return undefined
  const port = Number(match[2])
  if (port < 1 || port > 65_535) return undefined
  return { host: match[1].toLowerCase(), port }
}

function answerAndClose(socket: Socket, statusLine: string): void {
  socket.end(`HTTP/1.1 ${statusLine}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
}

function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    for (const socket of sockets) socket.destroy()
  })
}

/** A loopback port that drops SYNs, as a security group does. */
export interface SynDropper {
  port: number
  close(): Promise<void>
}

/**
 * Linux drops a SYN when a listener's accept queue is full. A listener with backlog 0 that never
 * accepts, with its one queue slot taken, makes every further connect time out: a dropped SYN on
 * loopback, without touching the firewall. Node accepts eagerly, so the listener is a Python child.
 */
export async function startSynDropper(): Promise<SynDropper> {
  const { spawn } = await import('node:child_process')
  const { connect } = await import('node:net')
  const script = [
    'import socket, sys, time',
    's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
    'print(s.getsockname()[1], flush=True)',
    'time.sleep(600)',
  ].join('\n')
  const child = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the SYN dropper did not start within 5 s')), 5000)
    child.stdout.once('data', (chunk: Buffer) => {
      clearTimeout(timer)
      resolve(Number(chunk.toString().trim()))
    })
    child.once('error', reject)
  })
  // Take the one queue slot; every later SYN is dropped.
  const filler = connect({ host: '127.0.0.1', port })
  await new Promise<void>((resolve, reject) => {
    filler.once('connect', () => resolve())
    filler.once('error', reject)
  })
  return {
    port,
    close: async () => {
      filler.destroy()
      if (child.exitCode === null) {
        child.kill('SIGKILL')
        await new Promise((resolve) => child.once('exit', resolve))
      }
    },
  }
}
