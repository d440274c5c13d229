/**
 * The diagnosis the commands ask for: resolve the target from the flags, select the stretch of
 * the chain, run it (with live progress on a terminal), and render the report. Commands only say
 * which probes, which goals and which mode.
 */
import ansis from 'ansis'
import { defaultRegion } from './aws/config-file.js'
import { diagnose } from './engine/diagnose.js'
import type { FleetResult, FleetSummary } from './engine/fleet.js'
import { selectProbes } from './engine/run.js'
import type { AnyProbe, ProbeId, Report, RunOptions } from './engine/types.js'
import { usageError } from './errors.js'
import type { ProbeEnv } from './platform/env.js'
import { PROBES } from './probes/index.js'
import { tracePaths } from './probes/path.js'
import { resolveTarget, validateRegion, type TargetFlags } from './target/resolve-target.js'

/** The flag values a diagnosis reads: the output and the bounds, and the target unless the request gives one. */
export interface DiagnosisFlags {
  cluster?: string
  region?: string
  profile?: string
  context?: string
  kubeconfig?: string
  endpoint?: string
  'ca-file'?: string
  resolver?: string[]
  'can-i'?: string[]
  'source-cidr'?: string
  'vpn-instance'?: string
  'vpn-ip'?: string
  'client-vpn-endpoint'?: string
  'client-vpn-group'?: string
  format?: string
  redact?: boolean
  timeout?: number
  'connect-timeout'?: number
}

/** What a command selects. */
export interface DiagnosisRequest {
  select: (probe: AnyProbe) => boolean
  exclude?: (probe: AnyProbe) => boolean
  /** The checks whose passing means the stretch works. */
  goals: readonly ProbeId[]
  mode?: RunOptions['mode']
  requirePrivate?: boolean
  /** A target other than the flags' (kubeconfig verifies the context it wrote). */
  target?: TargetFlags
}

export function runOptionsOf(flags: DiagnosisFlags, request: Pick<DiagnosisRequest, 'mode' | 'requirePrivate'> = {}): RunOptions {
  return {
    mode: request.mode ?? 'check',
    ...(request.requirePrivate ? { requirePrivate: true } : {}),
    connectTimeoutMs: (flags['connect-timeout'] ?? 3) * 1000,
    totalTimeoutMs: (flags.timeout ?? 30) * 1000,
  }
}

function targetFlagsOf(flags: DiagnosisFlags): TargetFlags {
  return {
    cluster: flags.cluster,
    region: flags.region,
    profile: flags.profile,
    context: flags.context,
    kubeconfig: flags.kubeconfig,
    endpoint: flags.endpoint,
    caFile: flags['ca-file'],
    resolver: flags.resolver,
    sourceCidr: flags['source-cidr'],
    vpnInstance: flags['vpn-instance'],
    vpnIp: flags['vpn-ip'],
    clientVpnEndpoint: flags['client-vpn-endpoint'],
    clientVpnGroup: flags['client-vpn-group'],
    canI: flags['can-i'],
  }
}

/** Live progress only where a person watches a terminal that can redraw lines; NO_COLOR only drops the colour. */
function wantsLive(env: ProbeEnv, flags: DiagnosisFlags, json: boolean): boolean {
  return !json && (flags.format ?? 'text') === 'text' && Boolean(process.stdout.isTTY) && !env.vars.CI && env.vars.TERM !== 'dumb'
}

export async function runDiagnosis(
  env: ProbeEnv,
  flags: DiagnosisFlags,
  request: DiagnosisRequest,
  o: { json: boolean; version: string },
): Promise<{ report: Report; live: boolean }> {
  const target = await resolveTarget(request.target ?? targetFlagsOf(flags), { vars: env.vars, fs: env.fs, platform: env.platform })
  const probes = selectProbes(PROBES, request.select, request.exclude)
  const options = runOptionsOf(flags, request)
  const live = wantsLive(env, flags, o.json)
  const run = (events?: Parameters<typeof diagnose>[0]['events']) =>
    diagnose({ env, target, options, probes, goals: request.goals, version: o.version, events, trace: tracePaths })
  const report = live ? await (await import('./report/live.js')).withLiveProgress(probes, run) : await run()
  return { report, live }
}

/** The report as text or markdown (JSON is printed by the command framework). */
export async function renderReport(report: Report, flags: DiagnosisFlags, o: { afterLive: boolean }): Promise<string> {
  if (flags.format === 'markdown') return (await import('./report/markdown.js')).renderMarkdown(report, { redact: Boolean(flags.redact) })
  const { renderText } = await import('./report/text.js')
  return renderText(report, { color: ansis.isSupported(), redact: Boolean(flags.redact), omitChecks: o.afterLive })
}

/** `check --all`: every cluster of the regions, each diagnosed like `check --cluster`. */
export async function runFleet(
  env: ProbeEnv,
  flags: DiagnosisFlags,
  o: { regions?: string[]; concurrency: number; version: string },
): Promise<FleetResult & { summary: FleetSummary }> {
  if (flags.cluster || flags.context || flags.endpoint) throw usageError('CONFLICTING_FLAGS', '--all checks every cluster of the regions; it cannot be combined with --cluster, --context or --endpoint')
  const profile = flags.profile ?? env.vars.AWS_PROFILE
  const fallback = flags.region ?? (await defaultRegion(profile, { vars: env.vars, homedir: env.fs.homedir(), readText: env.fs.readText }))?.region
  const regions = o.regions?.length ? o.regions : fallback ? [fallback] : []
  if (regions.length === 0) throw usageError('NO_REGION', '--all needs regions: pass --regions r1,r2, --region, or set AWS_REGION')
  for (const region of regions) validateRegion(region)
  const { diagnoseFleet, summariseFleet } = await import('./engine/fleet.js')
  const result = await diagnoseFleet({
    env,
    regions,
    profile,
    concurrency: o.concurrency,
    options: runOptionsOf(flags),
    // A fleet is about reaching each cluster; the kubeconfig of one cluster is `check --cluster`'s to review.
    probes: selectProbes(PROBES, (p) => p.layer !== 'kubeconfig', (p) => p.layer === 'kubeconfig'),
    goals: ['apiserver.readyz'],
    version: o.version,
    trace: tracePaths,
  })
  return { ...result, summary: summariseFleet(result.reports, result.unlisted) }
}

export async function renderFleetReport(fleet: FleetResult & { summary: FleetSummary }, flags: DiagnosisFlags): Promise<string> {
  if (flags.format === 'markdown') {
    const { renderMarkdown } = await import('./report/markdown.js')
    return fleet.reports.map((r) => renderMarkdown(r, { redact: Boolean(flags.redact) })).join('\n---\n\n')
  }
  const { renderFleet } = await import('./report/fleet.js')
  return renderFleet(fleet.reports, fleet.unlisted, fleet.summary, { color: ansis.isSupported(), redact: Boolean(flags.redact) })
}
