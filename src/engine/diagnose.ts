/** One run of the chain for one target: probes → checks → verdict → the report object. */
import { arch, release } from 'node:os'
import type { ProbeEnv } from '../platform/env.js'
import { runProbes, type RunEvents } from './run.js'
import type { Probe, ProbeId, Report, RunOptions, Target } from './types.js'
import { collectFixes, deriveVerdict } from './verdict.js'

export interface DiagnoseInput {
  env: ProbeEnv
  target: Target
  options: RunOptions
  probes: readonly Probe[]
  goals: readonly ProbeId[]
  version: string
  events?: RunEvents
}

export async function diagnose(input: DiagnoseInput): Promise<Report> {
  const startedAt = new Date(input.env.clock.now())
  const started = performance.now()
  const checks = await runProbes(input.probes, { env: input.env, target: input.target, options: input.options, events: input.events })
  const verdict = deriveVerdict(checks, input.goals)
  const tools = checks.find((c) => c.id === 'env.tools')?.evidence.tools as Record<string, { version: string | null; path: string | null }> | undefined
  const t = input.target
  const described = checks.find((c) => c.id === 'cluster.describe')?.evidence.endpoint
  const endpoint = t.endpoint ?? (typeof described === 'string' ? described : undefined)
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
    host: { os: input.env.platform, release: release(), arch: arch(), node: process.version },
    ...(tools ? { tools: Object.fromEntries(Object.entries(tools).map(([name, info]) => [name, info.path ? (info.version ?? 'unknown') : null])) } : {}),
  }
}
