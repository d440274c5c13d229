/** A bounded TLS handshake that always returns the presented chain, verified or not. */
import { X509Certificate } from 'node:crypto'
import { isIP } from 'node:net'
import { connect as tlsConnect, type DetailedPeerCertificate } from 'node:tls'
import type { CertificateInfo, HandshakeResult, SmallReply, TlsApi } from './env.js'
import { errorCode, errorMessage, tcpFailureCode, tlsFailureCode } from './errors.js'

function toPem(raw: Buffer): string {
  const body = raw.toString('base64').replace(/(.{64})/g, '$1\n')
  return `-----BEGIN CERTIFICATE-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`
}

export function describeCertificate(pem: string): CertificateInfo {
  const cert = new X509Certificate(pem)
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    subjectAltName: (cert.subjectAltName ?? '').split(', ').filter(Boolean),
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    fingerprint256: cert.fingerprint256,
    pem,
  }
}

function peerChain(peer: DetailedPeerCertificate | undefined): CertificateInfo[] {
  const chain: CertificateInfo[] = []
  const seen = new Set<string>()
  let cert = peer
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256)
    chain.push(describeCertificate(toPem(cert.raw)))
    cert = cert.issuerCertificate
  }
  return chain
}

function splitPemBundle(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
}

export function isIssuedBy(leafPem: string, caPem: string, intermediates: string[] = []): boolean {
  try {
    let current = new X509Certificate(leafPem)
    const pool = intermediates.map((pem) => new X509Certificate(pem))
    const roots = splitPemBundle(caPem).map((pem) => new X509Certificate(pem))
    for (let depth = 0; depth < 5; depth++) {
      for (const root of roots) {
        if (current.checkIssued(root) && current.verify(root.publicKey)) return true
      }
      const next = pool.find((candidate) => current.checkIssued(candidate) && current.verify(candidate.publicKey))
      if (!next || next.fingerprint256 === current.fingerprint256) return false
      current = next
    }
    return false
  } catch {
    return false
  }
}

/**
 * ALPN names nobody speaks, after the two the API server does: they grow the ClientHello from about
 * 350 bytes to about 1,740 (measured against a raw listener), the size Go 1.23+ clients such as
 * kubectl send with their post-quantum key share, so it needs two packets on a 1,500-byte path.
 */
/**
 * The key-exchange groups of a ClientHello that fits one packet. OpenSSL 3.5 (Node 22.20+, 24)
 * offers an X25519MLKEM768 key share by default, which alone makes the hello about 1.5 KB: every
 * connection eksdoctor makes names the classic groups, so only the padded hello is large.
 */
export const CLASSIC_GROUPS = 'X25519:prime256v1:secp384r1'

const HELLO_PADDING = Array.from({ length: 6 }, (_, i) => `eksdoctor-size-probe-${i}-`.padEnd(220, 'x'))
const ALPN = ['h2', 'http/1.1']

function sniOf(servername: string | undefined): string | undefined {
  // RFC 6066 forbids an IP address as SNI; kubectl sends none for IP endpoints either.
  return servername && isIP(servername) === 0 ? servername : undefined
}

function handshake(
  ip: string,
  port: number,
  o: { servername?: string; caPem?: string; timeoutMs: number; signal?: AbortSignal; largeHello?: boolean },
): Promise<HandshakeResult> {
  const started = performance.now()
  return new Promise((resolve) => {
    let settled = false
    let tcpConnected = false
    const socket = tlsConnect({
      host: ip,
      port,
      servername: sniOf(o.servername),
      ca: o.caPem,
      rejectUnauthorized: false,
      ecdhCurve: CLASSIC_GROUPS,
      ...(o.largeHello ? { ALPNProtocols: [...ALPN, ...HELLO_PADDING] } : {}),
    })
    const finish = (result: Omit<HandshakeResult, 'ms'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      o.signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve({ ...result, ms: Math.round(performance.now() - started) })
    }
    const timer = setTimeout(() => {
      finish(
        tcpConnected
          ? { ok: false, code: 'TLS_TIMEOUT', message: `TCP connected but no TLS handshake within ${o.timeoutMs} ms`, verified: false, chain: [] }
          : { ok: false, code: 'TCP_TIMEOUT', message: `no TCP connection within ${o.timeoutMs} ms`, verified: false, chain: [] },
      )
    }, o.timeoutMs)
    const onAbort = () => finish({ ok: false, code: 'TIMEOUT', message: 'cancelled', verified: false, chain: [] })
    o.signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => {
      tcpConnected = true
    })
    socket.once('secureConnect', () => {
      const chain = peerChain(socket.getPeerCertificate(true))
      const verifyError = socket.authorized ? undefined : String(socket.authorizationError ?? 'unverified')
      finish({
        ok: true,
        verified: socket.authorized,
        verifyError,
        code: verifyError ? tlsFailureCode(verifyError) : undefined,
        protocol: socket.getProtocol() ?? undefined,
        chain,
      })
    })
    socket.once('error', (error) => {
      const code = errorCode(error)
      finish({
        ok: false,
        code: tcpConnected ? 'TLS_HANDSHAKE_FAILED' : tcpFailureCode(code),
        message: errorMessage(error),
        verified: false,
        chain: [],
      })
    })
  })
}

/**
 * A TLS 1.0-only ClientHello (about 100 bytes): servers that require TLS 1.2 answer it with a
 * protocol_version alert of 7 bytes. Whether that small answer arrives tells a dead server from a
 * path that drops only large packets.
 */
function smallReply(ip: string, port: number, o: { servername?: string; timeoutMs: number; signal?: AbortSignal }): Promise<SmallReply> {
  const started = performance.now()
  return new Promise((resolve) => {
    let settled = false
    let tcpConnected = false
    const socket = tlsConnect({
      host: ip,
      port,
      servername: sniOf(o.servername),
      rejectUnauthorized: false,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1',
      // OpenSSL 3 builds no TLS 1.0 hello above security level 0.
      ciphers: 'DEFAULT@SECLEVEL=0',
    })
    const finish = (reply: SmallReply['reply'], message?: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      o.signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve({ reply, ...(message ? { message } : {}), ms: Math.round(performance.now() - started) })
    }
    const timer = setTimeout(() => finish(tcpConnected ? 'none' : 'no-tcp', `nothing within ${o.timeoutMs} ms`), o.timeoutMs)
    const onAbort = () => finish('none', 'cancelled')
    o.signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => {
      tcpConnected = true
    })
    socket.once('secureConnect', () => finish('handshake', `the server accepted ${socket.getProtocol() ?? 'TLS 1.0'}`))
    socket.once('close', () => finish(tcpConnected ? 'closed' : 'no-tcp', 'the connection closed without a TLS answer'))
    socket.once('error', (error) => {
      const code = errorCode(error)
      if (!tcpConnected) finish('no-tcp', errorMessage(error))
      else if (/ALERT/.test(code ?? '')) finish('alert', `a TLS alert (${/alert ([a-z ]+?)(?::|$)/m.exec(errorMessage(error))?.[1] ?? code})`)
      else if (code === 'ECONNRESET') finish('reset', 'the connection was reset')
      else finish('closed', errorMessage(error).split('\n')[0])
    })
  })
}

export function createTls(): TlsApi {
  return { handshake, smallReply, issuedBy: isIssuedBy }
}
