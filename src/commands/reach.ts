import { DiagnoseCommand } from '../diagnose-command.js'
import type { Report } from '../engine/types.js'
import { EXIT_CODES_HELP } from '../help.js'

export default class Reach extends DiagnoseCommand<typeof Reach> {
  static override summary = 'connect to each endpoint IP: TCP 443, TLS against the cluster CA, then GET /readyz'
  static override description = `one stretch of the chain that check walks; same target flags, output and exit codes.

${EXIT_CODES_HELP}`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1 --json']

  async run(): Promise<Report> {
    return this.diagnose(this.flags, { select: (probe) => ['network', 'tls', 'apiserver'].includes(probe.layer), goals: ['apiserver.readyz'] })
  }
}
