/** Every cluster of some regions, each diagnosed like `check --cluster`, a bounded number at once. */
import type { ProbeEnv } from '../platform/env.js'
import { diagnose } from './diagnose.js'
import type { Probe, ProbeId, Report, RunOptions, Target } from './types.js'

export interface FleetInput {
  env: ProbeEnv
  regions: string[]
  profile?: string
  options: RunOptions
  probes: readonly Probe[]
  goals: readonly ProbeId[]
  concurrency: number
  version: string
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
      reports[index] = await diagnose({ env: input.env, target, options: input.options, probes: input.probes, goals: input.goals, version: input.version })
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency, jobs.length)) }, worker))
  return { reports, unlisted }
}
