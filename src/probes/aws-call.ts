/** What every AWS-reading probe shares: the call options its bounds allow, and the skip an AWS failure gives. */
import type { AwsCallOptions, AwsFailure } from '../aws/call.js'
import type { ProbeContext, ProbeOutcome } from '../engine/types.js'

/** The floor of one AWS call's bound: a healthy read answers in well under a second, a slow region in a few. */
const AWS_CALL_FLOOR_MS = 5000

/**
 * One AWS call is bounded by twice --connect-timeout (a connection, then the answer), never less
 * than the floor, and never beyond the whole run's --timeout; the probe's signal carries that too.
 */
export function awsCallOptions(ctx: Pick<ProbeContext<never>, 'target' | 'signal' | 'options'>): AwsCallOptions {
  const timeoutMs = Math.min(ctx.options.totalTimeoutMs, Math.max(AWS_CALL_FLOOR_MS, 2 * ctx.options.connectTimeoutMs))
  return { region: ctx.target.region ?? 'us-east-1', profile: ctx.target.profile, timeoutMs, connectTimeoutMs: ctx.options.connectTimeoutMs, signal: ctx.signal }
}

/** AccessDenied makes a check skip and names the IAM action that would let it run. */
export function awsSkip<T>(result: AwsFailure): ProbeOutcome<T> {
  const detail =
    result.code === 'AWS_ACCESS_DENIED'
      ? `not allowed to call ${result.action ?? 'the AWS API'}: allow it to settle this link`
      : `${result.action ?? 'the AWS call'} failed: ${result.message}`
  return { status: 'skip', code: result.code, detail, evidence: { action: result.action ?? null, error: result.errorName ?? result.code } }
}
