import { Flags } from '@oclif/core'
import { fileURLToPath } from 'node:url'
import { BaseCommand } from '../base-command.js'
import { CATEGORY_EXIT_CODES, type Report } from '../engine/types.js'
import { CliError, usageError } from '../errors.js'
import { outputFlags } from '../flags.js'
import { EXIT_CODES_HELP } from '../help.js'
import { unifiedDiff } from '../kube/diff.js'
import { buildEntry, chooseKubeconfigFile, hasNamedEntry, mergeEntry, updateKubeconfigFile } from '../kube/kubeconfig-writer.js'
import { defaultRegion } from '../aws/config-file.js'
import { validateClusterName, validateRegion } from '../target/resolve-target.js'
import { closestNames } from '../util/closest.js'

export default class Kubeconfig extends BaseCommand<typeof Kubeconfig> {
  static override summary = 'write or repair the kubeconfig entry for a cluster, then check it'
  static override description = `writes what \`aws eks update-kubeconfig\` writes (the cluster named by its ARN, a user with an exec v1beta1 block, a context named by the ARN or --alias) into the first KUBECONFIG file or ~/.kube/config. every other entry, unknown field and comment is kept, and current-context too unless --set-current. the write is atomic, leaves a .eksdoctor.bak backup beside the file, and keeps mode 0600; a file that is not valid YAML is never touched. then it runs check on the new context unless --no-verify.

${EXIT_CODES_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1',
    '<%= config.bin %> <%= command.id %> --name prod-eks --region eu-west-1 --profile platform --alias prod --token-command eksdoctor --set-current',
    '<%= config.bin %> <%= command.id %> --cluster prod-eks --region eu-west-1 --dry-run',
  ]
  static override baseFlags = outputFlags
  static override flags = {
    cluster: Flags.string({ char: 'c', aliases: ['name'], summary: 'EKS cluster name', required: true }),
    region: Flags.string({ char: 'r', summary: 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile)' }),
    profile: Flags.string({ char: 'p', summary: 'AWS profile, also written into the exec entry' }),
    'role-arn': Flags.string({ summary: 'role the exec entry assumes before signing' }),
    alias: Flags.string({ summary: 'context name (default: the user name)' }),
    'user-alias': Flags.string({ summary: 'user name (default: the cluster ARN)' }),
    kubeconfig: Flags.string({ summary: 'file to write (default: first KUBECONFIG path, else ~/.kube/config)' }),
    'dry-run': Flags.boolean({ summary: 'print the change as a diff; write nothing' }),
    'token-command': Flags.string({ summary: 'what kubectl runs for a token (default: aws when on PATH)', options: ['aws', 'eksdoctor'] }),
    'set-current': Flags.boolean({ summary: 'make the new context the current one' }),
    verify: Flags.boolean({ summary: 'run check on the new context', default: true, allowNo: true }),
  }

  async run(): Promise<Report | { schemaVersion: 1; kubeconfig: unknown }> {
    const flags = this.flags
    const name = flags.cluster as string
    const env = await this.createEnv()
    validateClusterName(name)
    const profile = flags.profile ?? env.vars.AWS_PROFILE
    const region = flags.region ?? (await defaultRegion(profile, { vars: env.vars, homedir: env.fs.homedir(), readText: env.fs.readText }))?.region
    if (!region) throw usageError('NO_REGION', `no region for cluster "${name}": pass --region, or set AWS_REGION or a region in the profile`)
    validateRegion(region)
    const call = { region, profile, timeoutMs: 10_000 }
    const described = await env.aws.describeCluster(name, call)
    if (!described.ok) {
      if (described.code === 'CLUSTER_NOT_FOUND') {
        const listed = await env.aws.listClusters(call)
        const near = listed.ok ? closestNames(name, listed.value) : []
        throw new CliError('CLUSTER_NOT_FOUND', `no cluster "${name}" in ${region}${near.length ? `; did you mean ${near.join(' or ')}?` : ''}`, CATEGORY_EXIT_CODES.cluster)
      }
      const credentials = ['AWS_NO_CREDENTIALS', 'AWS_SSO_EXPIRED', 'AWS_EXPIRED_TOKEN', 'AWS_UNKNOWN_PROFILE', 'AWS_CLOCK_SKEW', 'AWS_ACCESS_DENIED'].includes(described.code)
      throw new CliError(described.code, `DescribeCluster failed: ${described.message}`, credentials ? CATEGORY_EXIT_CODES.credentials : CATEGORY_EXIT_CODES.cluster)
    }
    const cluster = described.value
    if (cluster.status && !['ACTIVE', 'UPDATING'].includes(cluster.status)) {
      throw new CliError('CLUSTER_NOT_ACTIVE', `cluster ${cluster.name} is ${cluster.status}, not ACTIVE`, CATEGORY_EXIT_CODES.cluster)
    }
    if (!cluster.endpoint || !cluster.caData || !cluster.arn) throw new CliError('CLUSTER_INCOMPLETE', `DescribeCluster gave no endpoint, CA or ARN for ${cluster.name}`, CATEGORY_EXIT_CODES.cluster)
    const awsOnPath = Boolean(await env.which('aws'))
    const eksdoctorOnPath = await env.which('eksdoctor')
    const entry = buildEntry({
      arn: cluster.arn,
      name: cluster.name,
      endpoint: cluster.endpoint,
      caData: cluster.caData,
      region,
      profile: flags.profile,
      roleArn: flags['role-arn'],
      alias: flags.alias,
      userAlias: flags['user-alias'],
      tokenCommand: (flags['token-command'] as 'aws' | 'eksdoctor' | undefined) ?? (awsOnPath ? 'aws' : 'eksdoctor'),
      eksdoctorCommand: eksdoctorOnPath ? 'eksdoctor' : fileURLToPath(new URL('../../bin/run.js', import.meta.url)),
    })
    const path = await chooseKubeconfigFile({ explicit: flags.kubeconfig, vars: env.vars, homedir: env.fs.homedir(), clusterArn: cluster.arn, readText: env.fs.readText })
    const setCurrent = flags['set-current']
    if (flags['dry-run']) {
      const before = await env.fs.readText(path)
      const after = await mergeEntry(before, path, entry, { setCurrent })
      const diff = unifiedDiff(before ?? '', after, before === undefined ? '/dev/null' : path, path)
      if (!this.wantsJson()) process.stdout.write(diff || `${path} already has this entry; nothing to change\n`)
      return { schemaVersion: 1, kubeconfig: { path, context: entry.contextName, changed: after !== before, diff } }
    }
    const written = await updateKubeconfigFile(path, (before) => mergeEntry(before, path, entry, { setCurrent }))
    const line = !written.changed
      ? `Context ${entry.contextName} in ${path} is already up to date`
      : written.before !== undefined && (await hasNamedEntry(written.before, 'contexts', entry.contextName))
        ? `Updated context ${entry.contextName} in ${path}`
        : `Added new context ${entry.contextName} to ${path}`
    const summary = { path, context: entry.contextName, changed: written.changed, backup: written.backup ?? null, tokenCommand: entry.exec.command }
    if (!this.wantsJson()) process.stdout.write(`${line}${written.backup ? ` (backup: ${written.backup})` : ''}\n`)
    if (!flags.verify) return { schemaVersion: 1, kubeconfig: summary }
    if (!this.wantsJson()) process.stdout.write('\n')
    const report = await this.runDiagnosis(() => true, ['apiserver.readyz'], {}, () => false, { kubeconfig: path, context: entry.contextName, profile: flags.profile })
    return { ...report, kubeconfig: summary } as Report
  }
}
