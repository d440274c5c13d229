/**
 * kubeconfig.exec-profile — the AWS profile an exec entry signs with exists, and an SSO profile has
 * a live SSO session. The profile is the one the plugin itself picks from its args and the
 * environment kubectl gives it (see kube/exec-aws.ts), read from the shared files that environment
 * names. An SSO profile's token is the cached ~/.aws/sso/cache/<sha1 of the sso_session name, or
 * of the legacy sso_start_url>.json: past its expiresAt (and, for an sso-session, with no refresh
 * token and client registration left) the plugin fails with "The SSO session associated with this
 * profile has expired" or "Error loading SSO Token".
 * Evidence: each entry's profile, where it came from, the files read, the SSO cache file and its
 * expiry (never the token).
 * Fix: an existing profile of a near name, or the profile created; `aws sso login --profile X`.
 */
import { defineProbe, type Fix, type Judgement } from '../../engine/types.js'
import { buildSsoLoginFix } from '../../fixes/credentials.js'
import { buildExecProfileFix } from '../../fixes/kubeconfig.js'
import { describeSource, execProfile, judgeSsoToken, loadExecSharedConfig, profileNames, ssoCacheRef } from '../../kube/exec-aws.js'
import type { ExecEntry } from '../../kube/exec-entries.js'
import { closestNames } from '../../util/closest.js'
import { entryLabel, execEntriesInScope } from './scope.js'

interface Judged {
  entry: ExecEntry
  profile: string
  problem?: { code: 'AWS_UNKNOWN_PROFILE' | 'AWS_SSO_EXPIRED'; text: string; fix: Fix }
  note: string
  evidence: Record<string, string | boolean | null | string[]>
}

export const execProfileProbe = defineProbe({
  id: 'kubeconfig.exec-profile',
  layer: 'kubeconfig',
  title: 'The exec entry signs with a profile that exists and is logged in',
  uses: ['kubeconfig.context'],
  // Only to follow its failure on the same profile; never worth running it for this check alone.
  reads: ['credentials.identity'],
  applies: (target) => (target.sources.endpoint === '--endpoint' ? 'no kubeconfig context in use: a bare --endpoint is checked without one' : true),
  async run(ctx) {
    const { env } = ctx
    const scope = await execEntriesInScope(ctx)
    if ('skip' in scope) return { status: 'skip', detail: scope.skip }
    const entries = scope.entries.filter((e) => e.exec.kind !== 'other')
    if (entries.length === 0) return { status: 'skip', detail: `no exec entry signs with AWS credentials (${scope.entries.map((e) => e.exec.command).join(', ')})` }
    const now = env.clock.now()
    const judged = await Promise.all(
      entries.map(async (entry): Promise<Judged> => {
        const shared = await loadExecSharedConfig(entry.exec, { vars: env.vars, homedir: env.fs.homedir(), readText: env.fs.readText })
        const { profile, source } = execProfile(entry.exec, env.vars)
        const files = [shared.paths.config, shared.paths.credentials]
        const base = { context: entry.context, user: entry.user, file: entry.file, profile, profileFrom: source ? describeSource(source, 'profile') : 'the default' }
        const names = profileNames(shared)
        if (!names.includes(profile)) {
          // No profile named and no [default]: the plugin falls back to the rest of the chain, which is not this check's business.
          if (!source) return { entry, profile, note: 'no profile named and no default profile', evidence: { ...base, exists: false } }
          const read = await Promise.all(files.map(async (f) => `${f}${(await env.fs.readText(f)) === undefined ? ' (missing)' : ''}`))
          const near = closestNames(profile, names)
          return {
            entry,
            profile,
            note: '',
            evidence: { ...base, exists: false, filesRead: read, knownProfiles: names },
            problem: {
              code: 'AWS_UNKNOWN_PROFILE',
              text: `${entryLabel(entry)} signs with the AWS profile "${profile}" (${describeSource(source, 'profile')}), which is in neither ${read.join(' nor ')}${near.length ? `; did you mean ${near.join(' or ')}?` : names.length ? `; the profiles there: ${names.slice(0, 6).join(', ')}` : ''}`,
              fix: buildExecProfileFix({
                file: entry.file,
                user: entry.user,
                profile,
                from: source.from,
                variable: source.from === 'args' ? 'AWS_PROFILE' : source.variable,
                args: entry.exec.args,
                ...(near[0] ? { suggestion: near[0] } : {}),
                files,
                platform: env.platform,
              }),
            },
          }
        }
        const ref = ssoCacheRef(shared, profile, { homedir: env.fs.homedir(), platform: env.platform })
        if (!ref) return { entry, profile, note: `profile ${profile} (not SSO)`, evidence: { ...base, exists: true, sso: false } }
        const state = judgeSsoToken(await env.fs.readText(ref.path), ref, now)
        const keyedBy = ref.session ? `sso_session ${ref.session}` : `sso_start_url ${ref.key}`
        const evidence = { ...base, exists: true, sso: true, ssoCacheFile: ref.path, keyedBy, tokenState: state.state, expiresAt: 'expiresAt' in state ? state.expiresAt : null }
        if (state.state === 'valid') return { entry, profile, note: `profile ${profile}: SSO session valid until ${state.expiresAt}`, evidence }
        if (state.state === 'refreshable') return { entry, profile, note: `profile ${profile}: SSO access token expired at ${state.expiresAt}, renewed with its refresh token`, evidence }
        const why =
          state.state === 'missing'
            ? `has no cached SSO token (${ref.path}, keyed by ${keyedBy}): it was never logged in, or logged out`
            : state.state === 'unreadable'
              ? `has an unreadable SSO token cache ${ref.path}`
              : `has an SSO token that expired at ${state.expiresAt} (${ref.path}, keyed by ${keyedBy})${ref.session ? ' and cannot be refreshed' : ''}`
        return {
          entry,
          profile,
          note: '',
          evidence,
          problem: { code: 'AWS_SSO_EXPIRED', text: `${entryLabel(entry)} signs with the SSO profile ${profile}, which ${why}: the plugin fails and so does kubectl`, fix: buildSsoLoginFix(profile) },
        }
      }),
    )
    const evidence = { entries: judged.map((j) => j.evidence) }
    const problems = judged.filter((j) => j.problem)
    if (problems.length === 0) return { status: 'pass', detail: judged.map((j) => `${j.entry.context}: ${j.note}`).join('; '), evidence }
    const first = problems[0]?.problem
    // The same profile eksdoctor signs with: credentials.identity already failed on it.
    const identity = ctx.result('credentials.identity')
    const explained = identity?.status === 'fail' && identity.code === first?.code && problems.every((p) => p.profile === identity.evidence.profile)
    const outcome: Judgement = {
      status: 'fail',
      code: first?.code,
      category: first?.code === 'AWS_SSO_EXPIRED' ? 'credentials' : 'kubeconfig',
      detail: problems.map((p) => p.problem?.text).join('; '),
      evidence,
      fixes: problems.flatMap((p) => (p.problem ? [p.problem.fix] : [])),
      ...(explained ? { explainedBy: 'credentials.identity' as const } : {}),
    }
    return outcome
  },
})
