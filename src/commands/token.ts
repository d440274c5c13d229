import { Command, Flags } from '@oclif/core'
import { EXIT_USAGE } from '../engine/codes.js'
import { issueToken } from '../token/fast-path.js'

export default class Token extends Command {
  static override summary = 'print an EKS token as an ExecCredential, for kubectl (cached)'
  static override description = `what \`aws eks get-token\` prints, signed locally and cached under ~/.kube/cache/eksdoctor/ (0600, one file per cluster, region, profile and role) while more than two minutes of validity are left. a cache hit is served before the CLI framework loads.

errors go to stderr with exit 10 (credentials) or 2 (usage), which kubectl shows.`
  static override examples = ['<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1', '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1 --profile platform --role-arn arn:aws:iam::111122223333:role/eks-admin']
  static override flags = {
    cluster: Flags.string({ char: 'c', aliases: ['name'], summary: 'EKS cluster name (signed into the token)', required: true }),
    region: Flags.string({ char: 'r', summary: 'AWS region of the cluster (default: AWS_REGION, AWS_DEFAULT_REGION)' }),
    profile: Flags.string({ char: 'p', summary: 'AWS profile (default: AWS_PROFILE)' }),
    'role-arn': Flags.string({ summary: 'assume this role first, as aws eks get-token --role-arn does' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Token)
    const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
    if (!region) {
      process.stderr.write('eksdoctor token: no region: pass --region or set AWS_REGION\n')
      process.exitCode = EXIT_USAGE
      return
    }
    await issueToken({ cluster: flags.cluster, region, profile: flags.profile ?? process.env.AWS_PROFILE, roleArn: flags['role-arn'] }, process.env)
  }
}
