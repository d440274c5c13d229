/**
 * The scheduler: start every probe as soon as its prerequisites are done, under a concurrency
 * limit and a time bound each; report in path order whatever the completion order was.
 */
import { setMaxListeners } from 'node:events'
import type { CheckResult, Probe, ProbeId, ProbeOutcome, RunOptions, Target } from './types.js'
import type { ProbeEnv } from '../platform/env.js'

export interface RunEvents {
  started?(probe: Probe): void
  finished?(result: CheckResult): void
}

export interface RunInput {
  env: ProbeEnv
  target: Target
  options: RunOptions
  events?: RunEvents
  concurrency?: number
}

const DEFAULT_PROBE_TIMEOUT_MS = 15_000

/** Select probes, pulling in what they need and use (transitively), in registry order. */
export function selectProbes(all: readonly Probe[], wanted: (probe: Probe) => boolean, excluded: (probe: Probe) => boolean = () => false): Probe[] {
  const byId = new Map(all.map((p) => [p.id, p]))
  const chosen = new Set<ProbeId>()
  const add = (probe: Probe) => {
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

function skipped(probe: Probe, detail: string, because?: ProbeId): CheckResult {
  return {
    id: probe.id,
    layer: probe.layer,
    status: 'skip',
    title: probe.title,
    detail,
    evidence: {},
    ...(because ? { skippedBecause: because } : {}),
    durationMs: 0,
  }
}

function toResult(probe: Probe, outcome: ProbeOutcome, durationMs: number): CheckResult {
  return {
    id: probe.id,
    layer: probe.layer,
    status: outcome.status,
    title: probe.title,
    detail: outcome.summary,
    ...(outcome.code ? { code: outcome.code } : {}),
    ...(outcome.category ? { category: outcome.category } : {}),
    ...(outcome.confirmed !== undefined ? { confirmed: outcome.confirmed } : {}),
    ...(outcome.alternatives?.length ? { alternatives: outcome.alternatives } : {}),
    ...(outcome.refines ? { refines: outcome.refines } : {}),
    ...(outcome.headline ? { headline: outcome.headline } : {}),
    evidence: outcome.evidence ?? {},
    ...(outcome.fixes?.length ? { fixes: outcome.fixes } : {}),
    durationMs,
  }
}

/** A throw or an abort becomes a failed check here, never a broken report. */
async function runBounded(probe: Probe, run: (signal: AbortSignal) => Promise<ProbeOutcome>, timeoutMs: number, total: AbortSignal) {
  const controller = new AbortController()
  const signal = AbortSignal.any([controller.signal, total])
  let timer: NodeJS.Timeout | undefined
  let onTotal: (() => void) | undefined
  const bound = new Promise<ProbeOutcome>((resolve) => {
    const onTimeout = (why: string) =>
      resolve({ status: 'fail', code: 'TIMEOUT', summary: `${probe.title} did not finish ${why}`, confirmed: false })
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
          summary: `${probe.title} crashed: ${error instanceof Error ? error.message : String(error)}`,
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

export async function runProbes(probes: readonly Probe[], input: RunInput): Promise<CheckResult[]> {
  const limit = createLimiter(input.concurrency ?? 8)
  const total = AbortSignal.timeout(input.options.totalTimeoutMs)
  // Every running probe and each of its calls listens to the total bound.
  setMaxListeners(0, total)
  const done = new Map<ProbeId, Promise<CheckResult>>()
  const results = new Map<ProbeId, CheckResult>()
  const data = new Map<ProbeId, unknown>()
  const present = new Set(probes.map((p) => p.id))

  const runOne = async (probe: Probe): Promise<CheckResult> => {
    const deps = [...(probe.needs ?? []), ...(probe.uses ?? [])].filter((id) => present.has(id))
    await Promise.all(deps.map((id) => done.get(id)))
    for (const need of probe.needs ?? []) {
      const dep = results.get(need)
      if (!dep) continue
      if (dep.status === 'fail' || dep.status === 'skip') {
        const root = dep.status === 'skip' && dep.skippedBecause ? dep.skippedBecause : need
        const why = dep.status === 'fail' ? `${need} failed` : `${need} was skipped`
        return skipped(probe, `not run: ${why}`, root)
      }
    }
    const applies = probe.applies?.(input.target, input.options) ?? true
    if (applies !== true) return skipped(probe, applies)
    if (total.aborted) return skipped(probe, 'not run: the total --timeout ran out')
    return limit(async () => {
      input.events?.started?.(probe)
      const started = performance.now()
      const outcome = await runBounded(
        probe,
        (signal) =>
          probe.run({
            env: input.env,
            target: input.target,
            options: input.options,
            signal,
            get: <T>(id: ProbeId) => data.get(id) as T | undefined,
            result: (id) => results.get(id),
          }),
        probe.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
        total,
      )
      if (outcome.data !== undefined) data.set(probe.id, outcome.data)
      return toResult(probe, outcome, Math.round(performance.now() - started))
    })
  }

  for (const probe of probes) {
    const promise = runOne(probe).then((result) => {
      results.set(probe.id, result)
      input.events?.finished?.(result)
      return result
    })
    done.set(probe.id, promise)
  }
  return Promise.all(probes.map((p) => done.get(p.id) as Promise<CheckResult>))
}
