/** Pure: checks in path order → the verdict, the fixes and the exit code. No I/O. */
import {
  CATEGORY_EXIT_CODES,
  EXIT_INCONCLUSIVE,
  EXIT_UNEXPECTED,
  type Category,
  type CheckResult,
  type Fix,
  type FurtherLink,
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

/** A broken link: the failed check that shows it, and the check that explains it (itself, or a later refiner). */
interface BrokenLink {
  symptom: CheckResult
  cause: CheckResult
}

/**
 * Every broken link in path order. A failed check that refines an earlier failure (the rule that
 * drops the SYN behind a TCP timeout) explains it: of several, one the evidence proves wins, and
 * the others are links of their own. A failure that follows from an earlier one (explainedBy) is
 * not a link of its own.
 */
export function brokenLinks(checks: readonly CheckResult[]): BrokenLink[] {
  const failed = new Map(checks.filter((c) => c.status === 'fail').map((c) => [c.id, c]))
  const refinersOf = (id: ProbeId) => checks.filter((c) => c.status === 'fail' && c.refines === id && !isUnexpected(c))
  const links: BrokenLink[] = []
  const used = new Set<ProbeId>()
  for (const check of failed.values()) {
    if (used.has(check.id)) continue
    if (check.explainedBy && failed.has(check.explainedBy)) continue
    const refiners = refinersOf(check.id)
    const cause = refiners.find((c) => c.confirmed !== false) ?? refiners[0] ?? check
    used.add(cause.id)
    links.push({ symptom: check, cause })
  }
  return links
}

function summaryOf(link: BrokenLink): string {
  return link.cause === link.symptom ? link.symptom.detail : `${link.symptom.headline ?? link.symptom.detail}; ${link.cause.detail}`
}

/**
 * The root cause is the first broken link in path order: a check only fails when its
 * prerequisites passed (or failed with an assumption to go on with). The other links are
 * `further`. `goals` are the checks whose passing means the stretch works; if none passed and
 * nothing failed, the run is inconclusive.
 */
export function deriveVerdict(checks: readonly CheckResult[], goals: readonly ProbeId[]): Verdict {
  const [first, ...rest] = brokenLinks(checks)
  if (first) {
    const unexpected = isUnexpected(first.cause)
    const further: FurtherLink[] = rest
      .filter((link) => !isUnexpected(link.cause))
      .map((link) => ({ rootCause: link.cause.id, category: categoryOf(link.cause), confirmed: link.cause.confirmed ?? true, summary: summaryOf(link) }))
    return {
      status: 'fail',
      category: unexpected ? 'unexpected' : categoryOf(first.cause),
      rootCause: first.cause.id,
      confirmed: unexpected ? false : (first.cause.confirmed ?? true),
      alternatives: first.cause.alternatives ?? [],
      further,
      summary: summaryOf(first),
    }
  }
  const warnings = checks.filter((c) => c.status === 'warn')
  const goalChecks = checks.filter((c) => goals.includes(c.id))
  if (goalChecks.length > 0 && goalChecks.every((c) => c.status === 'skip')) {
    const firstGoal = goalChecks[0]
    return {
      status: 'inconclusive',
      category: 'inconclusive',
      confirmed: false,
      alternatives: [],
      further: [],
      summary: `Nothing could be checked end to end: ${firstGoal?.detail ?? 'every check was skipped'}`,
    }
  }
  const passed = checks.filter((c) => c.status === 'pass').length
  return {
    status: warnings.length > 0 ? 'warn' : 'ok',
    category: 'ok',
    confirmed: true,
    alternatives: [],
    further: [],
    summary:
      warnings.length > 0
        ? `Every link works (${passed} checks passed); ${warnings.length} warning${warnings.length > 1 ? 's' : ''}: ${warnings.map((w) => w.detail).join(' ')}`
        : `Every link works (${passed} checks passed).`,
  }
}

/** The root cause's fixes first, then each further link's, then those of warnings, without duplicates. */
export function collectFixes(checks: readonly CheckResult[], verdict: Verdict): Fix[] {
  const byId = (id: ProbeId | undefined) => checks.filter((c) => c.id === id)
  const ordered = [...byId(verdict.rootCause), ...verdict.further.flatMap((f) => byId(f.rootCause)), ...checks.filter((c) => c.status === 'warn')]
  const seen = new Set<string>()
  const fixes: Fix[] = []
  for (const check of ordered) {
    for (const fix of check.fixes ?? []) {
      // The same commands under another title (a warning and the root cause both naming it) are one fix.
      const key = fix.commands.length ? fix.commands.join('\n') : fix.title
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
