/**
 * The base of every command: shared flags parsed once, the ProbeEnv seam for tests, the JSON
 * contract on success and on error, and the mapping from verdict to exit code.
 */
import { Command, type Interfaces } from '@oclif/core'
import { diagnose } from './engine/diagnose.js'
import { selectProbes } from './engine/run.js'
import { EXIT_INCONCLUSIVE, EXIT_UNEXPECTED, EXIT_USAGE, type Probe, type ProbeId, type Report, type RunOptions } from './engine/types.js'
import { exitCodeFor } from './engine/verdict.js'
import { CliError, usageError } from './errors.js'
import { outputFlags, targetFlags } from './flags.js'
import type { ProbeEnv } from './platform/env.js'
import { PROBES } from './probes/index.js'
import { reportToJson } from './report/json.js'
import { defaultRegion } from './aws/config-file.js'
import { resolveTarget, validateRegion, type TargetFlags } from './target/resolve-target.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof DiagnoseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

interface NormalisedError {
  code: string
  message: string
  exitCode: number
}

function normaliseError(error: unknown): NormalisedError {
  if (error instanceof CliError) return { code: error.code, message: error.message, exitCode: error.exitCode }
  const e = error as { message?: string; name?: string; oclif?: { exit?: number }; code?: string; parse?: unknown; constructor?: { name?: string } }
  // oclif's validation errors open with a generic line and close with a help hint: keep what is between.
  const lines = (e?.message ?? String(error)).split('\n').map((l) => l.trim()).filter((l) => l && !/^The following errors? occurred:?$|^See more help with/.test(l))
  const message = lines.join('; ') || 'unknown error'
  // oclif's flag and argument errors are usage errors.
  if (e?.parse !== undefined || /Parse|Validation|Nonexistent|Unexpected argument|Missing required/i.test(`${e?.constructor?.name} ${e?.name} ${message}`)) {
    return { code: 'USAGE', message, exitCode: EXIT_USAGE }
  }
  return { code: e?.code && /^[A-Z_]+$/.test(e.code) ? e.code : 'UNEXPECTED', message, exitCode: e?.oclif?.exit ?? EXIT_UNEXPECTED }
}

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true
  static override baseFlags: Interfaces.FlagInput = outputFlags

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>

  public override async init(): Promise<void> {
    await super.init()
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
  }

  /** The test seam: command tests replace this one method, never modules. */
  protected createEnv(): Promise<ProbeEnv> {
    return import('./platform/real-env.js').then((m) => m.createRealEnv(process.env))
  }

  protected wantsJson(): boolean {
    return this.jsonEnabled() || this.flags?.format === 'json'
  }

  /** The bounds the user set, as the engine takes them. */
  protected runOptions(extra: Partial<Pick<RunOptions, 'mode' | 'requirePrivate'>> = {}): RunOptions {
    const flags = this.flags as BaseFlags<typeof DiagnoseCommand>
    return { mode: 'check', connectTimeoutMs: (flags['connect-timeout'] ?? 3) * 1000, totalTimeoutMs: (flags.timeout ?? 30) * 1000, ...extra }
  }

  /** Resolve the target from the flags, run the selected stretch, render, set the exit code. */
  protected async runDiagnosis(
    select: (probe: Probe) => boolean,
    goals: readonly ProbeId[],
    extra: Partial<Pick<RunOptions, 'mode' | 'requirePrivate'>> = {},
    excluded: (probe: Probe) => boolean = () => false,
    targetFlags?: TargetFlags,
  ): Promise<Report> {
    const env = await this.createEnv()
    const flags = this.flags as BaseFlags<typeof DiagnoseCommand>
    const target = await resolveTarget(
      targetFlags ?? {
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
        canI: flags['can-i'],
      },
      { vars: env.vars, fs: env.fs, platform: env.platform },
    )
    const probes = selectProbes(PROBES, select, excluded)
    const options = this.runOptions(extra)
    const live = !this.wantsJson() && flags.format === 'text' && process.stdout.isTTY && !env.vars.CI && !env.vars.NO_COLOR
    const run = (events?: Parameters<typeof diagnose>[0]['events']) =>
      diagnose({ env, target, options, probes, goals, version: this.config.version, events })
    const report = live ? await (await import('./report/live.js')).withLiveProgress(probes, run) : await run()
    process.exitCode = exitCodeFor(report.verdict)
    await this.render(report, Boolean(live))
    return report
  }

  protected async render(report: Report, afterLive: boolean): Promise<void> {
    const flags = this.flags as BaseFlags<typeof DiagnoseCommand>
    if (this.jsonEnabled()) return
    if (flags.format === 'json') {
      process.stdout.write(`${JSON.stringify(reportToJson(report, { redact: flags.redact }), null, 2)}\n`)
    } else if (flags.format === 'markdown') {
      const { renderMarkdown } = await import('./report/markdown.js')
      process.stdout.write(renderMarkdown(report, { redact: flags.redact }))
    } else {
      const { renderText } = await import('./report/text.js')
      const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR
      process.stdout.write(renderText(report, { color, redact: flags.redact, omitChecks: afterLive }))
    }
  }

  /** `check --all`: every cluster of the regions, one summary row each; the exit code of the first failing one. */
  protected async runFleet(regionList: string[] | undefined, concurrency: number): Promise<Report[]> {
    const env = await this.createEnv()
    const flags = this.flags as BaseFlags<typeof DiagnoseCommand>
    if (flags.cluster || flags.context || flags.endpoint) throw usageError('CONFLICTING_FLAGS', '--all checks every cluster of the regions; it cannot be combined with --cluster, --context or --endpoint')
    const profile = flags.profile ?? env.vars.AWS_PROFILE
    const fallback = flags.region ?? (await defaultRegion(profile, { vars: env.vars, homedir: env.fs.homedir(), readText: env.fs.readText }))?.region
    const regions = regionList?.length ? regionList : fallback ? [fallback] : []
    if (regions.length === 0) throw usageError('NO_REGION', '--all needs regions: pass --regions r1,r2, --region, or set AWS_REGION')
    for (const region of regions) validateRegion(region)
    const { diagnoseFleet } = await import('./engine/fleet.js')
    const { reports, unlisted } = await diagnoseFleet({
      env,
      regions,
      profile,
      concurrency,
      options: this.runOptions(),
      probes: selectProbes(PROBES, () => true),
      goals: ['apiserver.readyz'],
      version: this.config.version,
    })
    const failing = reports.find((r) => r.verdict.status === 'fail' || r.verdict.status === 'inconclusive')
    process.exitCode = failing ? exitCodeFor(failing.verdict) : unlisted.length ? EXIT_INCONCLUSIVE : 0
    if (this.jsonEnabled()) return reports
    if (flags.format === 'json') process.stdout.write(`${JSON.stringify(reports.map((r) => reportToJson(r, { redact: flags.redact })), null, 2)}\n`)
    else if (flags.format === 'markdown') {
      const { renderMarkdown } = await import('./report/markdown.js')
      process.stdout.write(reports.map((r) => renderMarkdown(r, { redact: flags.redact })).join('\n---\n\n'))
    } else {
      const { renderFleet } = await import('./report/fleet.js')
      process.stdout.write(renderFleet(reports, unlisted, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR, redact: flags.redact }))
    }
    return reports
  }

  protected override toSuccessJson(result: unknown): unknown {
    if (Array.isArray(result)) return result.map((r) => this.toSuccessJson(r))
    const report = result as Report
    if (!report || report.schemaVersion !== 1) return result
    return reportToJson(report, { redact: Boolean((this.flags as BaseFlags<typeof DiagnoseCommand>)?.redact) })
  }

  protected override toErrorJson(error: unknown): unknown {
    const { code, message } = normaliseError(error)
    return { schemaVersion: 1, error: { code, message } }
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    const normalised = normaliseError(error)
    process.exitCode = normalised.exitCode
    if (this.jsonEnabled() || process.argv.includes('--format=json') || (this.flags?.format === 'json')) {
      process.stdout.write(`${JSON.stringify(this.toErrorJson(error))}\n`)
    } else {
      process.stderr.write(`eksdoctor: ${normalised.message}\n`)
      if (normalised.exitCode === EXIT_USAGE && normalised.code === 'USAGE') process.stderr.write(`See: eksdoctor ${this.id ?? ''} --help\n`)
    }
    if (this.flags?.debug || process.argv.includes('--debug')) process.stderr.write(`${error.stack ?? ''}\n`)
    return undefined
  }
}

/** The commands that diagnose a target: check and its stretches, explain, audit. */
export abstract class DiagnoseCommand<T extends typeof Command> extends BaseCommand<T> {
  static override baseFlags = { ...targetFlags, ...outputFlags }
}
