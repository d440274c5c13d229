import { DiagnoseCommand } from '../diagnose-command.js'
import type { Report } from '../engine/types.js'
import { EXIT_CODES_HELP } from '../help.js'

export default class Vpn extends DiagnoseCommand<typeof Vpn> {
  static override summary = 'read the VPN client (Tailscale) and the peer that carries the route to the endpoint'
  static override description = `one stretch of the chain that check walks; same target flags, output and exit codes.

${EXIT_CODES_HELP}`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1 --json']

  async run(): Promise<Report> {
    return this.diagnose(this.flags, { select: (probe) => probe.id === 'routing.tailscale' || probe.id === 'routing.vpn-peer', goals: ['routing.tailscale', 'routing.vpn-peer'] })
  }
}
