/**
 * kubeconfig.lock — no `<file>.lock` is left beside a kubeconfig file. Every `kubectl config`
 * change (use-context, set-context, set-credentials) first creates a lock beside each file kubectl
 * reads (client-go ModifyConfig: O_CREATE|O_EXCL), and one left by a kubectl that was killed makes
 * every later change fail with `error: open <file>.lock: file exists`; kubectl never takes it over.
 * Evidence: each lock with its age (from its mtime).
 * Fix: `rm` of that lock, guarded by a check that no kubectl runs.
 */
import { defineProbe } from '../../engine/types.js'
import { buildStaleLockFix } from '../../fixes/kubeconfig.js'
import { kubectlFiles } from './scope.js'

/** A lock younger than this may belong to a kubectl writing right now. */
const FRESH_MS = 60_000

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 120) return `${s} s`
  const m = Math.round(s / 60)
  if (m < 120) return `${m} min`
  const h = Math.floor(m / 60)
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} days`
}

export const lockProbe = defineProbe({
  id: 'kubeconfig.lock',
  layer: 'kubeconfig',
  title: 'No stale lock blocks kubectl config',
  async run(ctx) {
    const { env } = ctx
    const files = kubectlFiles(env, ctx.target)
    const now = env.clock.now()
    const found = (await Promise.all(files.map(async (file) => ({ lock: `${file}.lock`, info: await env.fs.stat(`${file}.lock`) })))).flatMap(({ lock, info }) =>
      info ? [{ lock, ageMs: now - info.mtimeMs, since: new Date(info.mtimeMs).toISOString() }] : [],
    )
    const evidence = { files, locks: found.map((l) => ({ path: l.lock, ageSeconds: Math.round(l.ageMs / 1000), since: l.since })) }
    if (found.length === 0) return { status: 'pass', detail: `no lock beside ${files.join(', ')}`, evidence }
    const detail = found
      .map((l) =>
        l.ageMs < FRESH_MS
          ? `${l.lock} is ${age(l.ageMs)} old (since ${l.since}): a kubectl config command may be writing now, and if none is, every later one fails with \`error: open ${l.lock}: file exists\``
          : `${l.lock} was left ${age(l.ageMs)} ago (since ${l.since}) by a kubectl that never finished: every \`kubectl config\` change (use-context, set-context, set-credentials) fails with \`error: open ${l.lock}: file exists\` until it is removed`,
      )
      .join('; ')
    return { status: 'warn', code: 'KUBECONFIG_LOCKED', detail, evidence, fixes: found.map((l) => buildStaleLockFix({ lock: l.lock, platform: env.platform })) }
  },
})
