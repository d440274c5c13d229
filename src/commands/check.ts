import { DiagnoseCommand } from '../base-command.js'
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
  ]

  async run(): Promise<Report> {
    return this.runDiagnosis(() => true, ['apiserver.readyz'])
  }
}
