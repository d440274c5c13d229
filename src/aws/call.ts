/**
 * The plumbing every AWS call module shares: call options, the result shape, error
 * classification into failure codes, and per profile the settings, the HTTP handler and the
 * memoised credential chain. Every call is bounded, its retries and their backoff included.
 */
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import type { FailureCode } from '../engine/codes.js'
import { createCredentialChain, type CredentialProvider } from './credential-chain.js'
import type { PageMark } from './pages.js'
import { resolveAwsSettings, type AwsSettings } from './settings.js'
import type { SharedConfigSource } from './shared-config.js'
import { createHttpHandler, httpHandlerOptions } from './transport.js'

export type AwsFailure = {
  ok: false
  code: FailureCode
  message: string
  errorName?: string
  action?: string
  /** The request id AWS gave the failed request, to quote to AWS support. */
  requestId?: string
  ms: number
}
/** `truncated`: a listing stopped before its last page (see pages.ts); the value holds what was read. */
export type AwsResult<T> = { ok: true; value: T; ms: number; truncated?: true } | AwsFailure

export interface AwsCallOptions {
  region: string
  profile?: string
  /** Bound for the whole call, retries included. */
  timeoutMs: number
  /** Bound for one connection attempt, when the caller has one (--connect-timeout). */
  connectTimeoutMs?: number
  signal?: AbortSignal
}

const ACCESS_DENIED = /AccessDenied|UnauthorizedOperation|not authorized to perform/i
const EXPIRED_TOKEN = /ExpiredToken|security token included in the request is expired|Token is expired|token has expired/i
const SSO_EXPIRED = /SSO session .* (has )?expired|sso.*token|Error loading SSO Token|aws sso login|The SSO session associated with this profile/i
const CLOCK_SKEW = /RequestTimeTooSkewed|Signature expired|Signature not yet current|clock skew/i
const UNKNOWN_PROFILE = /Profile .* (could not be found|not found)|Could not resolve credentials using profile: \[(.+?)\]/i
const NETWORK_CODE = /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|ETIMEDOUT|ERR_PROXY_\w+|UND_ERR_\w+)$/
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_|^ERR_TLS_|^ERR_SSL_|^EPROTO$/

type ErrorLike = { name?: string; message?: string; code?: unknown; cause?: unknown; $metadata?: { requestId?: string }; requestId?: string }

/** The socket or TLS error under an error (an SDK error, a `fetch failed`, ...): its code and message. */
function transportCause(error: unknown): { code: string; message: string } | undefined {
  let e = error as ErrorLike | undefined
  for (let depth = 0; e && depth < 6; depth++, e = e.cause as ErrorLike | undefined) {
    if (typeof e.code === 'string' && (NETWORK_CODE.test(e.code) || TLS_CODE.test(e.code))) return { code: e.code, message: e.message ?? e.code }
  }
  return undefined
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? ''
}

export function classifyAwsError(error: unknown, action: string): Omit<AwsFailure, 'ok' | 'ms'> {
  const e = error as ErrorLike | undefined
  const name = e?.name ?? 'Error'
  const message = firstLine(e?.message ?? String(error))
  const requestId = e?.$metadata?.requestId ?? e?.requestId
  const base = { action, ...(requestId ? { requestId } : {}) }
  // The socket's own error, never a wrapper's "fetch failed": ECONNREFUSED, ENOTFOUND, a TLS code.
  const cause = transportCause(error)
  if (cause) {
    const said = firstLine(cause.message)
    const detail = said.includes(cause.code) ? said : `${cause.code}: ${said}`
    if (cause.code === 'ETIMEDOUT') return { code: 'AWS_TIMEOUT', message: `${action} did not answer in time: ${detail}`, errorName: cause.code, ...base }
    const hint = TLS_CODE.test(cause.code) ? ' (a TLS-inspecting proxy needs its CA in AWS_CA_BUNDLE or NODE_EXTRA_CA_CERTS)' : ''
    return { code: 'AWS_ERROR', message: `${action} could not reach AWS: ${detail}${hint}`, errorName: cause.code, ...base }
  }
  const text = `${name} ${message}`
  if (CLOCK_SKEW.test(text)) return { code: 'AWS_CLOCK_SKEW', message, errorName: name, ...base }
  if (EXPIRED_TOKEN.test(text) && !SSO_EXPIRED.test(text)) return { code: 'AWS_EXPIRED_TOKEN', message, errorName: name, ...base }
  if (SSO_EXPIRED.test(text)) return { code: 'AWS_SSO_EXPIRED', message, errorName: name, ...base }
  if (UNKNOWN_PROFILE.test(message)) return { code: 'AWS_UNKNOWN_PROFILE', message, errorName: name, ...base }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return { code: 'AWS_NO_CREDENTIALS', message, errorName: name, ...base }
  }
  if (name === 'ResourceNotFoundException') return { code: 'CLUSTER_NOT_FOUND', message, errorName: name, ...base }
  if (ACCESS_DENIED.test(text)) return { code: 'AWS_ACCESS_DENIED', message, errorName: name, ...base }
  if (name === 'TimeoutError' || name === 'AbortError' || /timed? ?out|aborted/i.test(message)) {
    return { code: 'AWS_TIMEOUT', message: `${action} did not answer in time: ${message}`, errorName: name, ...base }
  }
  return { code: 'AWS_ERROR', message, errorName: name, ...base }
}

/** Shared machinery for the per-service call modules: settings, transport, credentials, bounds, errors. */
export interface AwsPlumbing {
  vars: Readonly<Record<string, string | undefined>>
  /** The profile's settings (endpoints, retries, CA bundle), read once. */
  settings(o: AwsCallOptions): Promise<AwsSettings>
  /** The HTTP handler of the profile and connect bound, shared by its clients. */
  httpHandler(o: AwsCallOptions): Promise<import('@smithy/node-http-handler').NodeHttpHandler>
  /** The shared, memoised credential provider of the profile the call uses. */
  credentials(o: AwsCallOptions): Promise<CredentialProvider>
  call<T>(action: string, o: AwsCallOptions, run: (signal: AbortSignal, page: PageMark) => Promise<T>): Promise<AwsResult<T>>
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let value = cache.get(key)
  if (!value) {
    value = make()
    cache.set(key, value)
  }
  return value
}

/** Reject when the signal fires, even while the work waits out a retry's backoff. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined)
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason ?? Object.assign(new Error('aborted'), { name: 'AbortError' }))
    if (signal.aborted) return abort()
    signal.addEventListener('abort', abort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}

async function readTextFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return undefined
  }
}

export function createAwsPlumbing(
  vars: Readonly<Record<string, string | undefined>>,
  files: Partial<Omit<SharedConfigSource, 'vars'>> = {},
): AwsPlumbing {
  const source: SharedConfigSource = { vars, homedir: files.homedir ?? vars.HOME ?? homedir(), readText: files.readText ?? readTextFile }
  const settings = new Map<string, Promise<AwsSettings>>()
  const handlers = new Map<string, Promise<import('@smithy/node-http-handler').NodeHttpHandler>>()
  const providers = new Map<string, Promise<CredentialProvider>>()
  const profileOf = (o: AwsCallOptions) => o.profile ?? vars.AWS_PROFILE ?? ''
  const settingsOf = (o: AwsCallOptions) => memo(settings, profileOf(o), () => resolveAwsSettings(profileOf(o) || undefined, source))
  const handlerOptions = (o: AwsCallOptions) => async () =>
    httpHandlerOptions({ vars, caBundle: (await settingsOf(o)).caBundle, connectTimeoutMs: o.connectTimeoutMs })

  return {
    vars,
    settings: settingsOf,
    httpHandler: (o) => memo(handlers, `${profileOf(o)}|${o.connectTimeoutMs ?? ''}`, () => createHttpHandler(handlerOptions(o))),
    credentials: (o) =>
      memo(providers, profileOf(o), () => createCredentialChain({ profile: profileOf(o) || undefined, requestHandler: handlerOptions({ ...o, connectTimeoutMs: undefined }) })),
    async call<T>(action: string, o: AwsCallOptions, run: (signal: AbortSignal, page: PageMark) => Promise<T>): Promise<AwsResult<T>> {
      const started = performance.now()
      const signal = o.signal ? AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]) : AbortSignal.timeout(o.timeoutMs)
      let truncated = false
      try {
        const value = await untilAborted(
          run(signal, { truncated: () => (truncated = true) }),
          signal,
        )
        return { ok: true, value, ms: Math.round(performance.now() - started), ...(truncated ? { truncated: true as const } : {}) }
      } catch (error) {
        return { ok: false, ...classifyAwsError(error, action), ms: Math.round(performance.now() - started) }
      }
    },
  }
}
