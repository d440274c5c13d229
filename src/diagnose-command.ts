/** The commands that diagnose a target (check and its stretches, explain, audit): the target flags, one diagnosis, one exit code. */
import type { Command } from '@oclif/core'
import { BaseCommand } from './base-command.js'
import { renderFleetReport, renderReport, runDiagnosis, runFleet, type DiagnosisFlags, type DiagnosisRequest } from './diagnosis.js'
import type { Report } from './engine/types.js'
import { exitCodeFor } from './engine/verdict.js'
import { outputFlags, targetFlags } from './flags.js'

export abstract class DiagnoseCommand<T extends typeof Command> extends BaseCommand<T> {
  static override baseFlags = { ...targetFlags, ...outputFlags }

  /** Run the stretch the command selects, print it unless JSON, set the exit code. */
  protected async diagnose(flags: DiagnosisFlags, request: DiagnosisRequest): Promise<Report> {
    const { report, live } = await runDiagnosis(await this.createEnv(), flags, request, { json: this.jsonEnabled(), version: this.config.version })
    process.exitCode = exitCodeFor(report.verdict)
    if (!this.jsonEnabled()) process.stdout.write(await renderReport(report, flags, { afterLive: live }))
    return report
  }

  /** `check --all`: one row per cluster; the exit code the fleet summary gives. */
  protected async diagnoseFleet(flags: DiagnosisFlags, o: { regions?: string[]; concurrency: number }): Promise<Report[]> {
    const fleet = await runFleet(await this.createEnv(), flags, { ...o, version: this.config.version })
    process.exitCode = fleet.summary.exitCode
    if (!this.jsonEnabled()) process.stdout.write(await renderFleetReport(fleet, flags))
    return fleet.reports
  }
}
