/**
 * The handshakes that tell packet-size failures apart, against real sockets on loopback: the padded
 * ClientHello really is kubectl's size (two packets) and every other hello fits one, also under
 * OpenSSL 3.5 (Node 22.20+, 24), which offers a post-quantum key share by default; the TLS 1.0
 * hello really is tiny and really gets an alert from a TLS 1.2+ server, and silence or a cut
 * connection are reported as such.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttp } from '../../../src/platform/http.js'
import { createTls } from '../../../src/platform/tls.js'
import { createCa, createTempDir, issueServerCert, removeTempDir } from '../../helpers/pki.js'

const tls = createTls()
let dir: string
let tlsServer: TlsServer
let tlsPort: number
let caPem: string

/** A TCP listener that records the first record each client sends, then does what `reply` says. */
async function rawListener(reply: (socket: Socket) => void): Promise<{ server: Server; port: number; firstRecords: number[] }> {
  const firstRecords: number[] = []
  const server = createServer((socket) => {
    let buffered = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk])
      // A TLS record: type(1) version(2) length(2), then the body.
      if (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt16BE(3) && firstRecords.length < 10) {
        firstRecords.push(5 + buffered.readUInt16BE(3))
        buffered = Buffer.alloc(0)
        reply(socket)
      }
    })
    socket.on('error', () => undefined)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const address = server.address()
  return { server, port: typeof address === 'object' && address ? address.port : 0, firstRecords }
}

beforeAll(async () => {
  dir = createTempDir()
  const ca = createCa(dir)
  caPem = ca.certPem
  const leaf = issueServerCert(ca, { commonName: 'kube-apiserver', dnsNames: ['api.lab.test'], ipAddresses: ['127.0.0.1'] })
  // As the API server: TLS 1.2 at least, h2 and http/1.1 over ALPN.
  tlsServer = createTlsServer({ cert: leaf.certPem, key: leaf.keyPem, minVersion: 'TLSv1.2', ALPNProtocols: ['h2', 'http/1.1'] }, (s) => s.end())
  await new Promise<void>((done) => tlsServer.listen(0, '127.0.0.1', done))
  const address = tlsServer.address()
  tlsPort = typeof address === 'object' && address ? address.port : 0
})

afterAll(async () => {
  await new Promise<void>((done) => tlsServer.close(() => done()))
  removeTempDir(dir)
})

describe('the packet-size handshakes', () => {
  it('the padded ClientHello is kubectl-sized (two packets on a 1500-byte path), the plain one fits one', async () => {
    const raw = await rawListener((socket) => socket.destroy())
    try {
      await tls.handshake('127.0.0.1', raw.port, { servername: 'api.lab.test', timeoutMs: 2000 })
      await tls.handshake('127.0.0.1', raw.port, { servername: 'api.lab.test', timeoutMs: 2000, largeHello: true })
      const [plain, large] = raw.firstRecords
      expect(plain).toBeLessThan(600)
      expect(large).toBeGreaterThan(1500)
      expect(large).toBeLessThan(2000)
    } finally {
      raw.server.close()
    }
  })

  it("the API requests (readyz, the reviews) send a one-packet hello too, whatever Node's OpenSSL offers by default", async () => {
    const raw = await rawListener((socket) => socket.destroy())
    try {
      await createHttp().request({ url: `https://api.lab.test:${raw.port}/readyz`, ip: '127.0.0.1', insecure: true, timeoutMs: 2000 })
      expect(raw.firstRecords[0]).toBeLessThan(600)
    } finally {
      raw.server.close()
    }
  })

  it('the padded ClientHello still completes a verified handshake with an API-server-like TLS server', async () => {
    const result = await tls.handshake('127.0.0.1', tlsPort, { servername: 'api.lab.test', caPem, timeoutMs: 2000, largeHello: true })
    expect(result).toMatchObject({ ok: true, verified: true })
  })

  it('the TLS 1.0 hello is tiny and a TLS 1.2+ server answers it with a protocol_version alert', async () => {
    const raw = await rawListener((socket) => socket.destroy())
    try {
      await tls.smallReply('127.0.0.1', raw.port, { servername: 'api.lab.test', timeoutMs: 2000 })
      expect(raw.firstRecords[0]).toBeLessThan(200)
    } finally {
      raw.server.close()
    }
    const reply = await tls.smallReply('127.0.0.1', tlsPort, { servername: 'api.lab.test', timeoutMs: 2000 })
    expect(reply).toMatchObject({ reply: 'alert', message: 'a TLS alert (protocol version)' })
  })

  it('a listener that takes the hello and says nothing is "none" within the bound; one that cuts it is "reset" or "closed"', async () => {
    const silent = await rawListener(() => undefined)
    const cutting = await rawListener((socket) => socket.resetAndDestroy())
    try {
      const quiet = await tls.smallReply('127.0.0.1', silent.port, { timeoutMs: 400 })
      expect(quiet.reply).toBe('none')
      expect(quiet.ms).toBeGreaterThanOrEqual(390)
      const cut = await tls.smallReply('127.0.0.1', cutting.port, { timeoutMs: 2000 })
      expect(['reset', 'closed']).toContain(cut.reply)
    } finally {
      silent.server.close()
      cutting.server.close()
      for (const s of [silent, cutting]) s.server.unref()
    }
  })

  it('no listener at all is "no-tcp"', async () => {
    const gone = await rawListener(() => undefined)
    const port = gone.port
    await new Promise<void>((done) => gone.server.close(() => done()))
    const reply = await tls.smallReply('127.0.0.1', port, { timeoutMs: 1000 })
    expect(reply.reply).toBe('no-tcp')
  })
})
