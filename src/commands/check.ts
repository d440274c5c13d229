import { Flags } from '@oclif/core'
import { DiagnoseCommand } from '../diagnose-command.js'
import type { Report } from '../engine/types.js'
import { EXIT_CODES_HELP } from '../help.js'

export default class Check extends DiagnoseCommand<typeof Check> {
  static override summary = 'walk the path to the EKS API endpoint, name the first broken link and print the fix'
  static override description = `checks, in path order: local tools and proxy settings, the cluster as AWS describes it, DNS, the route and the VPN client, TCP to each endpoint IP, TLS against the cluster CA, and /readyz.

the target is the current kubeconfig context unless --context, --cluster/--region or --endpoint say otherwise.

${EXIT_CODES_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1 --profile platform',
    '<%= config.bin %> <%= command.id %> --endpoint https://10.20.30.40 --ca-file ca.pem --json',
    '<%= config.bin %> <%= command.id %> --format markdown --redact > report.md',
    '<%= config.bin %> <%= command.id %> --all --regions eu-west-1,us-east-1 --concurrency 8',
  ]
  static override flags = {
    all: Flags.boolean({ summary: 'check every cluster of the regions (--regions, else --region or the profile\'s)', helpGroup: 'FLEET' }),
    regions: Flags.string({ summary: 'comma-separated regions for --all', dependsOn: ['all'], helpGroup: 'FLEET' }),
    concurrency: Flags.integer({ summary: 'clusters checked at once with --all', default: 8, min: 1, max: 64, helpGroup: 'FLEET' }),
  }

  async run(): Promise<Report | Report[]> {
    const regions = this.flags.regions?.split(',').map((r) => r.trim()).filter(Boolean)
    if (this.flags.all) return this.diagnoseFleet(this.flags, { regions, concurrency: this.flags.concurrency })
    return this.diagnose(this.flags, { select: () => true, goals: ['apiserver.readyz'] })
  }
}
