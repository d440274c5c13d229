import { Args } from '@oclif/core'
import { DiagnoseCommand } from '../diagnose-command.js'
import type { Report } from '../engine/types.js'
import { matchKubectlError } from '../explain/match-error.js'
import { explainTarget } from '../explain/target.js'
import { EXIT_CODES_HELP } from '../help.js'

export default class Explain extends DiagnoseCommand<typeof Explain> {
  static override summary = 'paste a kubectl error: get the layer it points at, and run the checks that settle it'
  static override description = `recognises the errors kubectl prints (no such host, i/o timeout, x509, Unauthorized, Forbidden, exec plugin: invalid apiVersion, expired SSO token...), names the layer and category, then runs that stretch of the chain for the target.

${EXIT_CODES_HELP}`
  static override examples = [
    `<%= config.bin %> <%= command.id %> "dial tcp 10.0.1.23:443: i/o timeout"`,
    `<%= config.bin %> <%= command.id %> "error: You must be logged in to the server (Unauthorized)" --cluster prod-eks --region eu-west-1`,
  ]
  static override args = { error: Args.string({ description: 'the error text kubectl printed', required: true }) }

  async run(): Promise<Report & { explain?: unknown }> {
    const meaning = matchKubectlError(this.args.error)
    const layers = new Set(meaning?.layers ?? ['dns', 'routing', 'network', 'tls', 'apiserver'])
    if (!this.jsonEnabled()) {
      process.stdout.write(
        meaning
          ? `This error points at ${meaning.categories.join(' or ')}: ${meaning.meaning}.\nRunning the checks that settle it…\n\n`
          : 'This error text is not one eksdoctor recognises; running the whole network path.\n\n',
      )
    }
    const f = this.flags
    const flagTarget = { cluster: f.cluster, region: f.region, profile: f.profile, context: f.context, kubeconfig: f.kubeconfig, endpoint: f.endpoint, caFile: f['ca-file'], resolver: f.resolver, canI: f['can-i'] }
    const target = await explainTarget(await this.createEnv(), flagTarget, this.args.error)
    const report = await this.diagnose(f, { select: (probe) => layers.has(probe.layer), goals: [], ...(target ? { target } : {}) })
    return { ...report, explain: { input: this.args.error, recognised: Boolean(meaning), ...(meaning ?? {}) } }
  }
}
