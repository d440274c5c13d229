import { DiagnoseCommand } from '../diagnose-command.js'
import type { Report } from '../engine/types.js'
import { EXIT_CODES_HELP } from '../help.js'

export default class Route extends DiagnoseCommand<typeof Route> {
  static override summary = 'show the route from this workstation to each endpoint IP and the VPN client state behind it'
  static override description = `one stretch of the chain that check walks; same target flags, output and exit codes.

${EXIT_CODES_HELP}`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1 --json']

  async run(): Promise<Report> {
    return this.diagnose(this.flags, { select: (probe) => probe.layer === 'routing', goals: ['routing.local-route'] })
  }
}
