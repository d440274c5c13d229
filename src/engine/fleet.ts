/** Every cluster of some regions, each diagnosed like `check --cluster`, a bounded number at once. */
import type { ProbeEnv } from '../platform/env.js'
import { diagnose, type DiagnoseInput } from './diagnose.js'
import { EXIT_INCONCLUSIVE, type AnyProbe, type ProbeId, type Report, type RunOptions, type Target } from './types.js'
import { exitCodeFor } from './verdict.js'

export interface FleetInput {
  env: ProbeEnv
  regions: string[]
  profile?: string
  options: RunOptions
  probes: readonly AnyProbe[]
  goals: readonly ProbeId[]
  concurrency: number
  version: string
  trace?: DiagnoseInput['trace']
}

export interface FleetResult {
  reports: Report[]
  /** Regions whose clusters could not be listed, with why. */
  unlisted: { region: string; error: string }[]
}

export async function diagnoseFleet(input: FleetInput): Promise<FleetResult> {
  const call = (region: string) => ({ region, profile: input.profile, timeoutMs: 10_000 })
  const listed = await Promise.all(input.regions.map(async (region) => ({ region, result: await input.env.aws.listClusters(call(region)) })))
  const unlisted = listed.flatMap(({ region, result }) => (result.ok ? [] : [{ region, error: result.message }]))
  const jobs = listed.flatMap(({ region, result }) => (result.ok ? [...result.value].sort().map((cluster) => ({ cluster, region })) : []))
  const reports: Report[] = new Array(jobs.length)
  let next = 0
  const worker = async () => {
    for (let index = next++; index < jobs.length; index = next++) {
      const job = jobs[index]!
      const target: Target = {
        cluster: job.cluster,
        region: job.region,
        ...(input.profile ? { profile: input.profile } : {}),
        resolvers: [],
        canI: [],
        sources: { cluster: 'ListClusters', region: input.regions.length > 1 ? '--regions' : 'region' },
      }
      reports[index] = await diagnose({ env: input.env, target, options: input.options, probes: input.probes, goals: input.goals, version: input.version, trace: input.trace })
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency, jobs.length)) }, worker))
  return { reports, unlisted }
}

/** How a fleet stands: one rule for the summary line and the exit code. */
export interface FleetSummary {
  clusters: number
  /** ok or warn: the API answered. */
  reachable: number
  failing: number
  /** Nothing could be checked end to end: not a finding, but not reachable either. */
  inconclusive: number
  /** The first failing or inconclusive cluster's exit code, else 3 when a region could not be listed, else 0. */
  exitCode: number
}

export function summariseFleet(reports: readonly Report[], unlisted: readonly FleetResult['unlisted'][number][]): FleetSummary {
  const failing = reports.filter((r) => r.verdict.status === 'fail').length
  const inconclusive = reports.filter((r) => r.verdict.status === 'inconclusive').length
  const first = reports.find((r) => r.verdict.status === 'fail' || r.verdict.status === 'inconclusive')
  return {
    clusters: reports.length,
    reachable: reports.length - failing - inconclusive,
    failing,
    inconclusive,
    exitCode: first ? exitCodeFor(first.verdict) : unlisted.length ? EXIT_INCONCLUSIVE : 0,
  }
}
