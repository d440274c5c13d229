/**
 * The scheduler: start every probe as soon as its prerequisites are done, under a concurrency
 * limit and a time bound each; report in path order whatever the completion order was.
 */
import { setMaxListeners } from 'node:events'
import type { ProbeEnv } from '../platform/env.js'
import type { AnyProbe, CheckResult, DataId, Judgement, ProbeContext, ProbeData, ProbeId, ProbeOutcome, RunOptions, Target } from './types.js'

export interface RunEvents {
  started?(probe: AnyProbe): void
  finished?(result: CheckResult): void
}

export interface RunInput {
  env: ProbeEnv
  target: Target
  options: RunOptions
  events?: RunEvents
  concurrency?: number
}

/** What a run leaves behind: the checks in path order, and what each probe published. */
export interface RunResult {
  checks: CheckResult[]
  data: <K extends DataId>(id: K) => ProbeData[K] | undefined
}

const DEFAULT_PROBE_TIMEOUT_MS = 15_000

/** Select probes, pulling in what they need and use (transitively), in registry order. */
export function selectProbes(all: readonly AnyProbe[], wanted: (probe: AnyProbe) => boolean, excluded: (probe: AnyProbe) => boolean = () => false): AnyProbe[] {
  const byId = new Map(all.map((p) => [p.id, p]))
  const chosen = new Set<ProbeId>()
  const add = (probe: AnyProbe) => {
    if (chosen.has(probe.id) || excluded(probe)) return
    chosen.add(probe.id)
    for (const need of [...(probe.needs ?? []), ...(probe.uses ?? [])]) {
      const dep = byId.get(need)
      if (dep) add(dep)
    }
  }
  for (const probe of all) if (wanted(probe)) add(probe)
  return all.filter((p) => chosen.has(p.id))
}

function createLimiter(limit: number) {
  let active = 0
  const queue: (() => void)[] = []
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve))
    active++
    try {
      return await task()
    } finally {
      active--
      queue.shift()?.()
    }
  }
}

/** A check row from a probe and its judgement: one shape, whatever the judgement came from. */
export function toCheck(probe: AnyProbe, judgement: Judgement, durationMs: number, skippedBecause?: ProbeId): CheckResult {
  const { status, detail, code, category, confirmed, alternatives, refines, headline, explainedBy, assumption, evidence, fixes } = judgement
  return {
    id: probe.id,
    layer: probe.layer,
    status,
    title: probe.title,
    detail,
    ...(code ? { code } : {}),
    ...(category ? { category } : {}),
    ...(confirmed !== undefined ? { confirmed } : {}),
    ...(alternatives?.length ? { alternatives } : {}),
    ...(refines ? { refines } : {}),
    ...(headline ? { headline } : {}),
    ...(explainedBy ? { explainedBy } : {}),
    ...(assumption ? { assumption } : {}),
    evidence: evidence ?? {},
    ...(fixes?.length ? { fixes } : {}),
    ...(skippedBecause ? { skippedBecause } : {}),
    durationMs,
  }
}

/** The context a probe runs in: it may read only what it declares, and a read of anything else is a crash. */
export function probeContext(
  probe: AnyProbe,
  base: Pick<ProbeContext, 'env' | 'target' | 'options' | 'signal'>,
  data: (id: ProbeId) => unknown,
  result: (id: ProbeId) => CheckResult | undefined,
  o: { settled?: (id: ProbeId) => Promise<CheckResult | undefined>; pending?: (id: ProbeId) => boolean; release?: () => void } = {},
): ProbeContext<ProbeId, ProbeId> {
  const declared = new Set<ProbeId>([...(probe.needs ?? []), ...(probe.uses ?? []), ...(probe.reads ?? [])])
  const check = (id: ProbeId) => {
    if (!declared.has(id)) throw new Error(`${probe.id} read ${id}, which it does not declare in needs, uses or reads`)
  }
  return {
    ...base,
    get: ((id: ProbeId) => (check(id), data(id))) as ProbeContext<ProbeId, ProbeId>['get'],
    need: ((id: ProbeId) => {
      check(id)
      if (!(probe.needs ?? []).includes(id)) throw new Error(`${probe.id} needs the data of ${id}, which it only uses`)
      const value = data(id)
      if (value === undefined) throw new Error(`${probe.id} needs the data of ${id}, which published none`)
      return value
    }) as ProbeContext<ProbeId, ProbeId>['need'],
    result: (id) => (check(id), result(id)),
    settled: async (id) => (check(id), o.settled ? o.settled(id) : result(id)),
    pending: (id) => (check(id), o.pending?.(id) ?? false),
    release: () => o.release?.(),
  }
}

/** What a check ran on: the assumptions of the failed links it needed or used, its own included. */
function assumptionsOf(probe: AnyProbe, results: Map<ProbeId, CheckResult>): string[] {
  const found = new Set<string>()
  for (const id of [...(probe.needs ?? []), ...(probe.uses ?? []), ...(probe.reads ?? [])]) {
    const dep = results.get(id)
    for (const a of dep?.assuming ?? []) found.add(a)
    if (dep?.status === 'fail' && dep.assumption) found.add(dep.assumption)
  }
  return [...found]
}

/** A throw or an abort becomes a failed check here, never a broken report. */
async function runBounded(probe: AnyProbe, run: (signal: AbortSignal) => Promise<ProbeOutcome>, timeoutMs: number, total: AbortSignal) {
  const controller = new AbortController()
  const signal = AbortSignal.any([controller.signal, total])
  let timer: NodeJS.Timeout | undefined
  let onTotal: (() => void) | undefined
  const bound = new Promise<ProbeOutcome>((resolve) => {
    const onTimeout = (why: string) =>
      resolve({ status: 'fail', code: 'TIMEOUT', detail: `${probe.title} did not finish ${why}`, confirmed: false })
    timer = setTimeout(() => {
      controller.abort()
      onTimeout(`within ${timeoutMs} ms`)
    }, timeoutMs)
    onTotal = () => onTimeout('before the total --timeout ran out')
    total.addEventListener('abort', onTotal, { once: true })
  })
  try {
    return await Promise.race([
      run(signal).catch(
        (error: unknown): ProbeOutcome => ({
          status: 'fail',
          code: 'PROBE_CRASHED',
          detail: `${probe.title} crashed: ${error instanceof Error ? error.message : String(error)}`,
          confirmed: false,
        }),
      ),
      bound,
    ])
  } finally {
    clearTimeout(timer)
    if (onTotal) total.removeEventListener('abort', onTotal)
  }
}

/** Run the probes; the checks come back in path order, with what each published. */
export async function runChain(probes: readonly AnyProbe[], input: RunInput): Promise<RunResult> {
  const limit = createLimiter(input.concurrency ?? 8)
  const total = AbortSignal.timeout(input.options.totalTimeoutMs)
  // Every running probe and each of its calls listens to the total bound.
  setMaxListeners(0, total)
  const done = new Map<ProbeId, Promise<CheckResult>>()
  const results = new Map<ProbeId, CheckResult>()
  const data = new Map<ProbeId, unknown>()
  const present = new Set(probes.map((p) => p.id))

  const released = new Map<ProbeId, { promise: Promise<void>; resolve: () => void }>()
  for (const probe of probes) {
    let resolve!: () => void
    released.set(probe.id, { promise: new Promise<void>((r) => (resolve = r)), resolve })
  }
  const settled = async (id: ProbeId) => (present.has(id) ? done.get(id) : undefined)

  const runOne = async (probe: AnyProbe): Promise<CheckResult> => {
    const deps = [...(probe.needs ?? []), ...(probe.uses ?? []), ...(probe.reads ?? [])].filter((id) => present.has(id))
    const early = new Set<ProbeId>(probe.early ?? [])
    await Promise.all(deps.map((id) => (early.has(id) ? Promise.race([done.get(id), released.get(id)?.promise]) : done.get(id))))
    for (const need of probe.needs ?? []) {
      const dep = results.get(need)
      if (!dep) continue
      // A failed link with an assumption to go on with: the rest of the path is still probed.
      if (dep.status === 'fail' && dep.assumption && data.has(need)) continue
      if (dep.status === 'fail' || dep.status === 'skip') {
        const root = dep.status === 'skip' && dep.skippedBecause ? dep.skippedBecause : need
        const why = dep.status === 'fail' ? `${need} failed` : `${need} was skipped`
        return toCheck(probe, { status: 'skip', detail: `not run: ${why}` }, 0, root)
      }
    }
    const applies = probe.applies?.(input.target, input.options) ?? true
    if (applies !== true) return toCheck(probe, { status: 'skip', detail: applies }, 0)
    if (total.aborted) return toCheck(probe, { status: 'skip', detail: 'not run: the total --timeout ran out' }, 0)
    return limit(async () => {
      input.events?.started?.(probe)
      const started = performance.now()
      const outcome = await runBounded(
        probe,
        (signal) =>
          probe.run(
            probeContext(probe, { env: input.env, target: input.target, options: input.options, signal }, (id) => data.get(id), (id) => results.get(id), {
              settled,
              pending: (id) => present.has(id) && !results.has(id),
              release: () => released.get(probe.id)?.resolve(),
            }),
          ),
        probe.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
        total,
      )
      if (outcome.data !== undefined) data.set(probe.id, outcome.data)
      // A check that explains a failed link does not run on that link's assumption: it replaces it.
      const replaced = outcome.refines ? results.get(outcome.refines)?.assumption : undefined
      const assuming = assumptionsOf(probe, results).filter((a) => a !== replaced)
      const check = toCheck(probe, outcome, Math.round(performance.now() - started))
      return assuming.length ? { ...check, detail: `${check.detail} (${assuming.join('; ')})`, assuming } : check
    })
  }

  for (const probe of probes) {
    const promise = runOne(probe).then((result) => {
      results.set(probe.id, result)
      released.get(probe.id)?.resolve()
      input.events?.finished?.(result)
      return result
    })
    done.set(probe.id, promise)
  }
  const checks = await Promise.all(probes.map((p) => done.get(p.id) as Promise<CheckResult>))
  return { checks, data: ((id: ProbeId) => data.get(id)) as RunResult['data'] }
}

/** Run the probes; the checks in path order. */
export async function runProbes(probes: readonly AnyProbe[], input: RunInput): Promise<CheckResult[]> {
  return (await runChain(probes, input)).checks
}
