/** Pure: checks in path order → the verdict, the fixes and the exit code. No I/O. */
import {
  CATEGORY_EXIT_CODES,
  EXIT_INCONCLUSIVE,
  EXIT_UNEXPECTED,
  type Category,
  type CheckResult,
  type Fix,
  type Layer,
  type ProbeId,
  type Verdict,
} from './types.js'

const LAYER_CATEGORY: Record<Layer, Category> = {
  env: 'proxy',
  credentials: 'credentials',
  cluster: 'cluster',
  dns: 'dns',
  routing: 'routing',
  network: 'routing',
  tls: 'tls',
  apiserver: 'cluster',
  authn: 'iam',
  authz: 'rbac',
  kubeconfig: 'kubeconfig',
}

export function categoryOf(check: CheckResult): Category {
  return check.category ?? LAYER_CATEGORY[check.layer]
}

function isUnexpected(check: CheckResult): boolean {
  return check.code === 'PROBE_CRASHED' || check.code === 'TIMEOUT'
}

/**
 * The root cause is the earliest failed check in path order: a check only fails when its
 * prerequisites passed (the engine skips it otherwise). `goals` are the checks whose passing
 * means the stretch works; if none passed and nothing failed, the run is inconclusive.
 */
export function deriveVerdict(checks: readonly CheckResult[], goals: readonly ProbeId[]): Verdict {
  const symptom = checks.find((c) => c.status === 'fail')
  if (symptom) {
    // A later check that explains the symptom (the rule that drops the SYN) is the cause.
    // Of the later checks that explain it, one the evidence proves wins over a suspicion.
    const refiners = checks.filter((c) => c.status === 'fail' && c.refines === symptom.id && !isUnexpected(c))
    const cause = refiners.find((c) => c.confirmed !== false) ?? refiners[0] ?? symptom
    const unexpected = isUnexpected(cause)
    return {
      status: 'fail',
      category: unexpected ? 'unexpected' : categoryOf(cause),
      rootCause: cause.id,
      confirmed: unexpected ? false : (cause.confirmed ?? true),
      alternatives: cause.alternatives ?? [],
      summary: cause === symptom ? symptom.detail : `${symptom.headline ?? symptom.detail}; ${cause.detail}`,
    }
  }
  const warnings = checks.filter((c) => c.status === 'warn')
  const goalChecks = checks.filter((c) => goals.includes(c.id))
  if (goalChecks.length > 0 && goalChecks.every((c) => c.status === 'skip')) {
    const first = goalChecks[0]
    return {
      status: 'inconclusive',
      category: 'inconclusive',
      confirmed: false,
      alternatives: [],
      summary: `Nothing could be checked end to end: ${first?.detail ?? 'every check was skipped'}`,
    }
  }
  const passed = checks.filter((c) => c.status === 'pass').length
  return {
    status: warnings.length > 0 ? 'warn' : 'ok',
    category: 'ok',
    confirmed: true,
    alternatives: [],
    summary:
      warnings.length > 0
        ? `Every link works (${passed} checks passed); ${warnings.length} warning${warnings.length > 1 ? 's' : ''}: ${warnings.map((w) => w.detail).join(' ')}`
        : `Every link works (${passed} checks passed).`,
  }
}

/** The root cause's fixes first, then those of warnings, without duplicates. */
export function collectFixes(checks: readonly CheckResult[], verdict: Verdict): Fix[] {
  const ordered = [
    ...checks.filter((c) => c.id === verdict.rootCause),
    ...checks.filter((c) => c.status === 'warn'),
  ]
  const seen = new Set<string>()
  const fixes: Fix[] = []
  for (const check of ordered) {
    for (const fix of check.fixes ?? []) {
      const key = `${fix.title}|${fix.commands.join('\n')}`
      if (seen.has(key)) continue
      seen.add(key)
      fixes.push(fix)
    }
  }
  return fixes
}

export function exitCodeFor(verdict: Verdict): number {
  if (verdict.category === 'unexpected') return EXIT_UNEXPECTED
  if (verdict.category === 'inconclusive') return EXIT_INCONCLUSIVE
  return CATEGORY_EXIT_CODES[verdict.category]
}
