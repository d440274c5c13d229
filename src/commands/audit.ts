import { Flags } from '@oclif/core'
import { DiagnoseCommand } from '../diagnose-command.js'
import type { AnyProbe, Report } from '../engine/types.js'
import { EXIT_CODES_HELP } from '../help.js'

/** The layers the audit reads: AWS only, never this workstation's network. */
const AWS_LAYERS = new Set(['credentials', 'cluster', 'network'])

export default class Audit extends DiagnoseCommand<typeof Audit> {
  static override summary = "the platform team's checklist for a private EKS endpoint, read from AWS only"
  static override description = `no local probes: credentials, the cluster (private endpoint on, public off, VPC DNS settings), and the AWS network path from the VPN: source CIDR, the AWS Client VPN endpoint (association, routes, authorization rules), VPN router source/dest check, routes both ways, peering (active, DNS both ways), network ACLs and the cluster security group.

${EXIT_CODES_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1',
    '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1 --source-cidr 10.80.0.0/16 --vpn-instance i-0abc12345def67890 --require-private --json',
  ]
  static override flags = {
    'require-private': Flags.boolean({ summary: 'a public endpoint is a failure, not a warning' }),
  }

  async run(): Promise<Report> {
    if (!this.flags.cluster && !this.flags.context) {
      const { usageError } = await import('../errors.js')
      throw usageError('NO_CLUSTER', 'audit reads a cluster from AWS: pass --cluster NAME --region R (or --context)')
    }
    const awsOnly = (probe: AnyProbe) => AWS_LAYERS.has(probe.layer) && probe.id !== 'network.tcp-connect'
    return this.diagnose(this.flags, {
      select: awsOnly,
      exclude: (probe) => !awsOnly(probe),
      goals: ['cluster.endpoint-access', 'network.security-group', 'network.route-tables', 'network.nacl'],
      mode: 'audit',
      requirePrivate: this.flags['require-private'],
    })
  }
}
