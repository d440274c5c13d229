/**
 * credentials.identity — AWS credentials resolve through the standard chain and STS says who
 * they are; for an assumed role, the IAM role ARN with its path (iam:GetRole) is the principal
 * that access entries name. The clock offset AWS reports is checked too.
 * Evidence: account, caller ARN, principal ARN, whether the path is known, clock offset.
 * Fix: log in (SSO), fresh session, an existing profile, sync the clock.
 */
import { parsePrincipal, roleArnWithPath } from '../../aws/arn.js'
import type { AwsFailure } from '../../aws/clients.js'
import { listProfiles } from '../../aws/profiles.js'
import { defineProbe, type ProbeContext, type ProbeOutcome } from '../../engine/types.js'
import {
  buildClockFix,
  buildExpiredTokenFix,
  buildNoCredentialsFix,
  buildSsoLoginFix,
  buildUnknownProfileFix,
} from '../../fixes/credentials.js'
import { sensitive } from '../../engine/sensitive.js'
import { closestNames } from '../../util/closest.js'

/** Who the AWS calls run as. */
export interface IdentityData {
  account: string
  arn: string
  kind: string
  /** The IAM principal ARN, with the role path when it could be read. */
  principalArn?: string
  pathKnown: boolean
  roleName?: string
  sessionName?: string
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'credentials.identity': IdentityData
  }
}

const SKEW_LIMIT_MS = 5 * 60_000

function failure(ctx: ProbeContext, result: AwsFailure): ProbeOutcome<IdentityData> {
  const profile = ctx.target.profile ?? ctx.env.vars.AWS_PROFILE
  const evidence = { profile: profile ?? null, error: result.errorName ?? result.code, message: result.message }
  const fail = (detail: string, fixes: ProbeOutcome['fixes']): ProbeOutcome<IdentityData> => ({
    status: 'fail',
    code: result.code,
    category: 'credentials',
    detail,
    evidence,
    fixes,
  })
  switch (result.code) {
    case 'AWS_SSO_EXPIRED':
      return fail(`the SSO session${profile ? ` of profile ${profile}` : ''} is expired or missing: ${result.message}`, [buildSsoLoginFix(profile)])
    case 'AWS_EXPIRED_TOKEN':
      return fail(`the AWS session token has expired (${result.errorName ?? 'ExpiredToken'})`, [buildExpiredTokenFix(profile)])
    case 'AWS_CLOCK_SKEW':
      return fail(`AWS refuses the request signature because this machine's clock is off: ${result.message}`, [buildClockFix()])
    case 'AWS_UNKNOWN_PROFILE':
      return fail(`the AWS profile ${profile ?? ''} does not exist: ${result.message}`, [buildUnknownProfileFix(profile ?? '', [], [])])
    case 'AWS_NO_CREDENTIALS':
      if (ctx.target.endpoint) return { status: 'skip', code: result.code, detail: 'no AWS credentials: checking the path without AWS', evidence }
      return fail('no usable AWS credentials, and nothing else says where the endpoint is', [buildNoCredentialsFix(profile)])
    default:
      if (ctx.target.endpoint) return { status: 'skip', code: result.code, detail: `sts:GetCallerIdentity failed (${result.message}): checking the path without AWS`, evidence }
      return { ...fail(`sts:GetCallerIdentity failed: ${result.message}`, []), confirmed: false }
  }
}

export const identityProbe = defineProbe({
  id: 'credentials.identity',
  layer: 'credentials',
  title: 'AWS credentials and identity',
  timeoutMs: 15_000,
  applies: (target, options) =>
    options.mode === 'audit' || (target.cluster && target.region) ? true : 'no cluster name: AWS is not needed for a bare endpoint',
  async run(ctx) {
    const profile = ctx.target.profile ?? ctx.env.vars.AWS_PROFILE
    if (profile) {
      const known = await listProfiles({ vars: ctx.env.vars, homedir: ctx.env.fs.homedir(), readText: ctx.env.fs.readText })
      if (!known.names.includes(profile)) {
        const near = closestNames(profile, known.names)
        return {
          status: 'fail',
          code: 'AWS_UNKNOWN_PROFILE',
          category: 'credentials',
          detail: `no AWS profile "${profile}" in ${known.files.join(' or ')}${near.length ? `; did you mean ${near.join(' or ')}?` : ''}`,
          evidence: { profile, knownProfiles: known.names },
          fixes: [buildUnknownProfileFix(profile, near, known.files)],
        }
      }
    }
    const call = { region: ctx.target.region ?? 'us-east-1', profile: ctx.target.profile, timeoutMs: 8000, signal: ctx.signal }
    const who = await ctx.env.aws.getCallerIdentity(call)
    if (!who.ok) return failure(ctx, who)
    const { account, arn, clockOffsetMs } = who.value
    const principal = parsePrincipal(arn)
    let principalArn = principal.iamArn
    let pathKnown = principal.kind !== 'assumed-role'
    let pathNote = ''
    if (principal.kind === 'assumed-role' && principal.roleName) {
      const role = await ctx.env.aws.getRole(principal.roleName, call)
      if (role.ok) {
        principalArn = roleArnWithPath(principal, role.value.path)
        pathKnown = true
      } else {
        pathNote = role.code === 'AWS_ACCESS_DENIED' ? ' (role path unknown: iam:GetRole is not allowed)' : ` (role path unknown: ${role.message})`
        if (principal.roleName.startsWith('AWSReservedSSO_')) pathNote += '; SSO roles live under /aws-reserved/sso.amazonaws.com/'
      }
    }
    const evidence = {
      account: sensitive('account', account),
      arn,
      principalArn: principalArn ?? null,
      pathKnown,
      clockOffsetMs,
      profile: profile ?? null,
    }
    const data: IdentityData = { account, arn, kind: principal.kind, principalArn, pathKnown, roleName: principal.roleName, sessionName: principal.sessionName }
    if (Math.abs(clockOffsetMs) >= SKEW_LIMIT_MS) {
      return {
        status: 'fail',
        code: 'AWS_CLOCK_SKEW',
        category: 'credentials',
        detail: `this machine's clock is ${Math.round(Math.abs(clockOffsetMs) / 60_000)} min ${clockOffsetMs > 0 ? 'behind' : 'ahead of'} AWS: signed requests and EKS tokens will be refused`,
        evidence,
        data,
        fixes: [buildClockFix(clockOffsetMs)],
      }
    }
    return {
      status: 'pass',
      detail: `${arn}${principalArn && principalArn !== arn ? ` → principal ${principalArn}` : ''}${pathNote}`,
      evidence,
      data,
    }
  },
})
