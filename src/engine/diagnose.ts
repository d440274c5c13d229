/** One run of the chain for one target: probes → checks → verdict → the report object. */
import { arch, release } from 'node:os'
import type { ProbeEnv } from '../platform/env.js'
import { runChain, type RunEvents, type RunResult } from './run.js'
import type { AnyProbe, CheckResult, PathRow, ProbeId, Report, RunOptions, Target } from './types.js'
import { collectFixes, deriveVerdict } from './verdict.js'

export interface DiagnoseInput {
  env: ProbeEnv
  target: Target
  options: RunOptions
  probes: readonly AnyProbe[]
  goals: readonly ProbeId[]
  version: string
  events?: RunEvents
  /** Each endpoint IP's hops, from what the probes published (the probes layer knows how). */
  trace?: (run: { data: RunResult['data']; check: (id: ProbeId) => CheckResult | undefined }) => PathRow[]
}

export async function diagnose(input: DiagnoseInput): Promise<Report> {
  const startedAt = new Date(input.env.clock.now())
  const started = performance.now()
  const run = await runChain(input.probes, { env: input.env, target: input.target, options: input.options, events: input.events })
  const checks = run.checks
  const check = (id: ProbeId) => checks.find((c) => c.id === id)
  const verdict = deriveVerdict(checks, input.goals)
  const tools = run.data('env.tools')
  const t = input.target
  const endpoint = t.endpoint ?? run.data('cluster.describe')?.endpoint
  const paths = input.trace?.({ data: run.data, check }) ?? []
  return {
    schemaVersion: 1,
    tool: { name: 'eksdoctor', version: input.version },
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    target: {
      ...(t.cluster ? { cluster: t.cluster } : {}),
      ...(t.region ? { region: t.region } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(t.context ? { context: t.context } : {}),
      ...(t.profile ? { profile: t.profile } : {}),
    },
    verdict,
    checks,
    fixes: collectFixes(checks, verdict),
    ...(paths.length ? { paths } : {}),
    host: { os: input.env.platform, release: release(), arch: arch(), node: process.version },
    ...(tools ? { tools: Object.fromEntries(Object.entries(tools).map(([name, info]) => [name, info.path ? (info.version ?? 'unknown') : null])) } : {}),
  }
}
