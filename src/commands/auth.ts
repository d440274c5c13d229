import { DiagnoseCommand } from '../diagnose-command.js'
import type { Report } from '../engine/types.js'
import { EXIT_CODES_HELP } from '../help.js'

export default class Auth extends DiagnoseCommand<typeof Auth> {
  static override summary = 'check authentication and authorisation: the token, who the cluster says you are, your access entry and what you may do'
  static override description = `one stretch of the chain that check walks (authn + authz, with what they need); same target flags, output and exit codes.

${EXIT_CODES_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1',
    '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1 --can-i "create deployments.apps -n shop"',
  ]

  async run(): Promise<Report> {
    return this.diagnose(this.flags, { select: (probe) => probe.layer === 'authn' || probe.layer === 'authz', goals: ['authn.whoami', 'authz.access-review'] })
  }
}
