import { Flags } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { renderReport, runDiagnosis } from '../diagnosis.js'
import type { Report } from '../engine/types.js'
import { exitCodeFor } from '../engine/verdict.js'
import { EXIT_CODES_HELP } from '../help.js'
import { writeClusterEntry } from '../kube/write-entry.js'

export default class Kubeconfig extends BaseCommand<typeof Kubeconfig> {
  static override summary = 'write or repair the kubeconfig entry for a cluster, then check it'
  static override description = `writes what \`aws eks update-kubeconfig\` writes (the cluster named by its ARN, a user with an exec v1beta1 block, a context named by the ARN or --alias) into the first KUBECONFIG file or ~/.kube/config. every other entry, unknown field and comment is kept, and current-context too unless --set-current. the write is atomic where the file allows it (else in place, as kubectl writes, and the output says so), leaves a .eksdoctor.bak backup beside the file, and keeps the file's mode (0600 for a new one); a file that is not a kubeconfig, is read-only or is a directory is never touched. then it runs check on the new context unless --no-verify.

${EXIT_CODES_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1',
    '<%= config.bin %> <%= command.id %> --name prod-eks --region eu-west-1 --profile platform --alias prod --token-command eksdoctor --set-current',
    '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1 --dry-run',
  ]
  static override flags = {
    cluster: Flags.string({ char: 'c', aliases: ['name'], summary: 'EKS cluster name', required: true }),
    region: Flags.string({ char: 'r', summary: 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile)' }),
    profile: Flags.string({ char: 'p', summary: 'AWS profile, also written into the exec entry' }),
    'role-arn': Flags.string({ summary: 'role the exec entry assumes before signing' }),
    alias: Flags.string({ summary: 'context name (default: the user name)' }),
    'user-alias': Flags.string({ summary: 'user name (default: the cluster ARN)' }),
    kubeconfig: Flags.string({ summary: 'file to write (default: first KUBECONFIG path, else ~/.kube/config)' }),
    'dry-run': Flags.boolean({ summary: 'print the change as a diff; write nothing' }),
    'token-command': Flags.option({ summary: 'what kubectl runs for a token (default: aws when on PATH)', options: ['aws', 'eksdoctor'] as const })(),
    'set-current': Flags.boolean({ summary: 'make the new context the current one' }),
    verify: Flags.boolean({ summary: 'run check on the new context', default: true, allowNo: true }),
  }

  async run(): Promise<Report | { schemaVersion: 1; kubeconfig: unknown }> {
    const f = this.flags
    const env = await this.createEnv()
    const written = await writeClusterEntry(env, {
      cluster: f.cluster, region: f.region, profile: f.profile, roleArn: f['role-arn'], alias: f.alias, userAlias: f['user-alias'],
      kubeconfig: f.kubeconfig, tokenCommand: f['token-command'], setCurrent: f['set-current'], dryRun: f['dry-run'],
    })
    const json = this.jsonEnabled()
    if (!json) process.stdout.write(written.line)
    const { path, context, changed, diff, backup, note, tokenCommand } = written
    if (f['dry-run']) return { schemaVersion: 1, kubeconfig: { path, context, changed, diff } }
    const summary = { path, context, changed, backup: backup ?? null, note: note ?? null, tokenCommand }
    if (!f.verify) return { schemaVersion: 1, kubeconfig: summary }
    if (!json) process.stdout.write('\n')
    const target = { kubeconfig: path, context, profile: f.profile }
    const { report, live } = await runDiagnosis(env, f, { select: () => true, goals: ['apiserver.readyz'], target }, { json, version: this.config.version })
    process.exitCode = exitCodeFor(report.verdict)
    if (!json) process.stdout.write(await renderReport(report, f, { afterLive: live }))
    return { ...report, kubeconfig: summary } as Report
  }
}
