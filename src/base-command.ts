/**
 * The base of every command: flags parsed once, the ProbeEnv seam for tests, and one JSON mode
 * (--json or --format json) whose errors still print {schemaVersion, error} on stdout.
 */
import { Command, type Interfaces } from '@oclif/core'
import { EXIT_USAGE, type Report } from './engine/types.js'
import { describeError } from './errors.js'
import { outputFlags } from './flags.js'
import type { ProbeEnv } from './platform/env.js'
import { reportToJson } from './report/json.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<T['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** `--format json` or `--format=json` before any `--`: the same JSON mode as --json. */
export function asksFormatJson(argv: readonly string[]): boolean {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length
  return argv.slice(0, end).some((arg, i) => arg === '--format=json' || (arg === '--format' && argv[i + 1] === 'json'))
}

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true
  static override baseFlags = outputFlags

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  private redact = false

  public override async init(): Promise<void> {
    await super.init()
    const { args, flags } = await this.parse({ flags: this.ctor.flags, baseFlags: this.ctor.baseFlags, enableJsonFlag: this.ctor.enableJsonFlag, args: this.ctor.args, strict: this.ctor.strict })
    // oclif's custom base class pattern: the parse above is typed for the base, the fields for the subclass.
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    this.redact = flags.redact === true
  }

  /** The test seam: command tests replace this one method, never modules. */
  protected createEnv(): Promise<ProbeEnv> {
    return import('./platform/real-env.js').then((m) => m.createRealEnv(process.env))
  }

  public override jsonEnabled(): boolean {
    return super.jsonEnabled() || (Boolean(this.ctor.enableJsonFlag) && asksFormatJson(this.argv))
  }

  protected override toSuccessJson(result: unknown): unknown {
    if (Array.isArray(result)) return result.map((r) => this.toSuccessJson(r))
    const report = result as Partial<Report> | undefined
    if (report?.schemaVersion !== 1 || !report.verdict) return result
    return reportToJson(report as Report, { redact: this.redact })
  }

  protected override toErrorJson(error: unknown): unknown {
    const { code, message } = describeError(error)
    return { schemaVersion: 1, error: { code, message } }
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    const described = describeError(error)
    process.exitCode = described.exitCode
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(this.toErrorJson(error))}\n`)
    else {
      process.stderr.write(`eksdoctor: ${described.message}\n`)
      if (described.exitCode === EXIT_USAGE && described.code === 'USAGE') process.stderr.write(`See: eksdoctor ${this.id ?? ''} --help\n`)
    }
    if (this.argv.includes('--debug')) process.stderr.write(`${error.stack ?? ''}\n`)
    return undefined
  }
}
