/**
 * kubeconfig.exec-output — `aws eks get-token` in an exec entry prints JSON. The AWS CLI formats
 * get-token with `--output`, else AWS_DEFAULT_OUTPUT, else the profile's `output` (the profile it
 * runs with: --profile, AWS_DEFAULT_PROFILE, AWS_PROFILE, default), so an entry written without
 * `--output json` breaks with `output = text` or `table`: kubectl fails with
 * `getting credentials: decoding stdout: couldn't get version/kind; json parse error`. kubectl also
 * decodes YAML, so `yaml` works with AWS CLI v2 (v1 knows no yaml); `yaml-stream` wraps it in a list.
 * Evidence: each entry's profile, output format and where the format came from.
 * Fix: `--output json` in the entry's args (kubectl config set-credentials), or the setting changed.
 */
import { defineProbe } from '../../engine/types.js'
import { buildExecOutputFix } from '../../fixes/kubeconfig.js'
import { execOutput, execProfile, loadExecSharedConfig } from '../../kube/exec-aws.js'
import type { ExecEntry } from '../../kube/exec-entries.js'
import { entryLabel, execEntriesInScope } from './scope.js'

const DECODING = "`getting credentials: decoding stdout: couldn't get version/kind; json parse error`"

/** Whether kubectl can decode get-token's output in this format; else why not and what kubectl then says. */
function decodable(output: string, awsVersion: string | undefined): true | { why: string; kubectl: string } {
  if (output === 'json') return true
  const refused = (why: string) => ({ why, kubectl: '`getting credentials: exec: executable aws failed with exit code 255`' })
  if (output === 'yaml') return awsVersion?.startsWith('1.') ? refused(`AWS CLI ${awsVersion} knows no output yaml (\`Unknown output type: yaml\`)`) : true
  if (output === 'text' || output === 'table') return { why: `it prints a ${output} rendering, not JSON`, kubectl: DECODING }
  if (output === 'yaml-stream') return { why: 'yaml-stream wraps the ExecCredential in a list', kubectl: DECODING }
  return refused(`"${output}" is no output format of the AWS CLI (\`Unknown output type: ${output}\`)`)
}

function withJsonOutput(args: string[]): string[] {
  const out: string[] = []
  let replaced = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '--output' && i + 1 < args.length) {
      out.push('--output', 'json')
      i++
      replaced = true
    } else if (arg.startsWith('--output=')) {
      out.push('--output=json')
      replaced = true
    } else out.push(arg)
  }
  return replaced ? out : [...out, '--output', 'json']
}

export const execOutputProbe = defineProbe({
  id: 'kubeconfig.exec-output',
  layer: 'kubeconfig',
  title: 'aws eks get-token prints JSON for kubectl',
  uses: ['kubeconfig.context'],
  // The AWS CLI version only decides whether yaml is known.
  reads: ['env.tools'],
  applies: (target) => (target.sources.endpoint === '--endpoint' ? 'no kubeconfig context in use: a bare --endpoint is checked without one' : true),
  async run(ctx) {
    const { env } = ctx
    const scope = await execEntriesInScope(ctx)
    if ('skip' in scope) return { status: 'skip', detail: scope.skip }
    const entries = scope.entries.filter((e) => e.exec.kind === 'aws-cli')
    if (entries.length === 0) return { status: 'skip', detail: `no exec entry runs aws eks get-token (${scope.entries.map((e) => e.exec.command).join(', ')})` }
    const awsVersion = ctx.get('env.tools')?.aws?.version ?? undefined
    const judged = await Promise.all(
      entries.map(async (entry: ExecEntry) => {
        const shared = await loadExecSharedConfig(entry.exec, { vars: env.vars, homedir: env.fs.homedir(), readText: env.fs.readText })
        const { profile } = execProfile(entry.exec, env.vars)
        const output = execOutput(entry.exec, env.vars, shared, profile)
        return { entry, profile, output, configFile: shared.paths.config, verdict: decodable(output.output, awsVersion) }
      }),
    )
    const evidence = {
      awsVersion: awsVersion ?? null,
      entries: judged.map((j) => ({ context: j.entry.context, user: j.entry.user, file: j.entry.file, profile: j.profile, output: j.output.output, setBy: j.output.setting, decodable: j.verdict === true })),
    }
    const broken = judged.filter((j) => j.verdict !== true)
    if (broken.length === 0) return { status: 'pass', detail: judged.map((j) => `${j.entry.context}: aws eks get-token prints ${j.output.output} (${j.output.setting})`).join('; '), evidence }
    return {
      status: 'fail',
      code: 'EXEC_OUTPUT_NOT_JSON',
      category: 'kubeconfig',
      detail: broken
        .map((j) => (j.verdict === true ? '' : `${entryLabel(j.entry)} runs aws eks get-token with output ${j.output.output} (${j.output.setting}): ${j.verdict.why}, so kubectl fails with ${j.verdict.kubectl}`))
        .join('; '),
      evidence,
      fixes: broken.map((j) =>
        buildExecOutputFix({
          file: j.entry.file,
          user: j.entry.user,
          args: withJsonOutput(j.entry.exec.args),
          output: j.output.output,
          from: j.output.source?.from ?? 'config',
          profile: j.profile,
          configFile: j.configFile,
          platform: env.platform,
        }),
      ),
    }
  },
})
