/**
 * The plumbing every AWS call module shares: call options, the result shape, error
 * classification into failure codes, the memoised credential chain per profile and the time bound.
 */
import type { FailureCode } from '../engine/codes.js'
import { quietSdkNotices, SILENT_LOGGER } from './sdk-quiet.js'

export type AwsFailure = { ok: false; code: FailureCode; message: string; errorName?: string; action?: string; ms: number }
export type AwsResult<T> = { ok: true; value: T; ms: number } | AwsFailure

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

export function classifyAwsError(error: unknown, action: string): Omit<AwsFailure, 'ok' | 'ms'> {
  const name = (error as { name?: string })?.name ?? 'Error'
  const message = ((error as { message?: string })?.message ?? String(error)).split('\n')[0] ?? ''
  const text = `${name} ${message}`
  if (CLOCK_SKEW.test(text)) return { code: 'AWS_CLOCK_SKEW', message, errorName: name, action }
  if (EXPIRED_TOKEN.test(text) && !SSO_EXPIRED.test(text)) return { code: 'AWS_EXPIRED_TOKEN', message, errorName: name, action }
  if (SSO_EXPIRED.test(text)) return { code: 'AWS_SSO_EXPIRED', message, errorName: name, action }
  if (UNKNOWN_PROFILE.test(message)) return { code: 'AWS_UNKNOWN_PROFILE', message, errorName: name, action }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return { code: 'AWS_NO_CREDENTIALS', message, errorName: name, action }
  }
  if (name === 'ResourceNotFoundException') return { code: 'CLUSTER_NOT_FOUND', message, errorName: name, action }
  if (ACCESS_DENIED.test(text)) return { code: 'AWS_ACCESS_DENIED', message, errorName: name, action }
  if (name === 'TimeoutError' || name === 'AbortError' || /timed? ?out|aborted/i.test(message)) {
    return { code: 'AWS_TIMEOUT', message: `${action} did not answer in time: ${message}`, errorName: name, action }
  }
  return { code: 'AWS_ERROR', message, errorName: name, action }
}

/** Shared machinery for the per-service call modules: credentials, bounds, error normalising. */
export interface AwsPlumbing {
  vars: Readonly<Record<string, string | undefined>>
  /** The shared, memoised credential provider of the profile the call uses. */
  credentials(o: AwsCallOptions): Promise<() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>>
  call<T>(action: string, o: AwsCallOptions, run: (signal: AbortSignal) => Promise<T>): Promise<AwsResult<T>>
}

export function createAwsPlumbing(vars: Readonly<Record<string, string | undefined>>): AwsPlumbing {
  const providers = new Map<string, Promise<unknown>>()

  function credentials(profile: string | undefined) {
    const key = profile ?? ''
    let provider = providers.get(key)
    if (!provider) {
      quietSdkNotices()
      provider = import('@aws-sdk/credential-providers').then(({ fromNodeProviderChain }) =>
        fromNodeProviderChain({ ...(profile ? { profile } : {}), logger: SILENT_LOGGER }),
      )
      providers.set(key, provider)
    }
    return provider
  }

  return {
    vars,
    credentials: (o) => credentials(o.profile ?? vars.AWS_PROFILE) as never,
    async call<T>(action: string, o: AwsCallOptions, run: (signal: AbortSignal) => Promise<T>): Promise<AwsResult<T>> {
      const started = performance.now()
      const signal = o.signal ? AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]) : AbortSignal.timeout(o.timeoutMs)
      try {
        const value = await run(signal)
        return { ok: true, value, ms: Math.round(performance.now() - started) }
      } catch (error) {
        return { ok: false, ...classifyAwsError(error, action), ms: Math.round(performance.now() - started) }
      }
    },
  }
}

