/** HTTPS requests over undici with an explicit dispatcher: pinned CA, chosen IP, bounded. */
import { isIP } from 'node:net'
import type { HttpApi, HttpRequest, HttpResult } from './env.js'
import { errorCode, errorMessage, tcpFailureCode, tlsFailureCode } from './errors.js'
import { CLASSIC_GROUPS } from './tls.js'
import type { FailureCode } from '../engine/codes.js'

const MAX_BODY = 64 * 1024

function classify(error: unknown, viaProxy: boolean): { code: FailureCode; message: string } {
  const code = errorCode(error) ?? errorCode((error as { cause?: unknown })?.cause)
  const message = errorMessage(error)
  if (viaProxy && /proxy/i.test(message)) {
    return { code: /\b\d{3}\b/.test(message) ? 'PROXY_REFUSED_CONNECT' : 'PROXY_UNREACHABLE', message }
  }
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { code: viaProxy ? 'PROXY_UNREACHABLE' : 'TCP_TIMEOUT', message }
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_ABORTED':
    case 'ABORT_ERR':
      return { code: 'HTTP_TIMEOUT', message }
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { code: viaProxy ? 'PROXY_UNREACHABLE' : tcpFailureCode(code), message }
    default:
      if (code && /CERT|SELF_SIGNED|UNABLE_TO|TLS/.test(code)) return { code: tlsFailureCode(code), message }
      return { code: 'HTTP_UNEXPECTED', message: code ? `${code}: ${message}` : message }
  }
}

async function readBody(body: AsyncIterable<Buffer | string>): Promise<string> {
  let text = ''
  for await (const chunk of body) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
    if (text.length > MAX_BODY) return text.slice(0, MAX_BODY)
  }
  return text
}

async function request(req: HttpRequest): Promise<HttpResult> {
  const started = performance.now()
  const undici = await import('undici')
  const url = new URL(req.url)
  const servername = isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0 ? url.hostname : undefined
  // Small hellos: whether large ones pass is the TLS check's question, not every request's.
  const tlsOptions = { ca: req.caPem, servername, rejectUnauthorized: !req.insecure, ecdhCurve: CLASSIC_GROUPS }
  const timeouts = { headersTimeout: req.timeoutMs, bodyTimeout: req.timeoutMs }
  let dispatcher: import('undici').Dispatcher
  let target: string
  if (req.proxy) {
    dispatcher = new undici.ProxyAgent({
      uri: req.proxy,
      requestTls: tlsOptions,
      connect: { timeout: req.timeoutMs },
      ...timeouts,
    })
    target = req.url
  } else {
    const host = req.ip ? (isIP(req.ip) === 6 ? `[${req.ip}]` : req.ip) : url.hostname
    const origin = `${url.protocol}//${host}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`
    dispatcher = new undici.Client(origin, { connect: { ...tlsOptions, timeout: req.timeoutMs }, ...timeouts })
    target = `${origin}${url.pathname}${url.search}`
  }
  const signal = req.signal ? AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs * 2)]) : AbortSignal.timeout(req.timeoutMs * 2)
  try {
    const response = await undici.request(target, {
      dispatcher,
      method: req.method ?? 'GET',
      headers: { host: url.host, ...req.headers },
      body: req.body,
      signal,
    })
    const body = await readBody(response.body)
    return { ok: true, status: response.statusCode, body, ms: Math.round(performance.now() - started) }
  } catch (error) {
    return { ok: false, ...classify(error, Boolean(req.proxy)), ms: Math.round(performance.now() - started) }
  } finally {
    await dispatcher.destroy().catch(() => undefined)
  }
}

export function createHttp(): HttpApi {
  return { request }
}
