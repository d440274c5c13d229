/**
 * The exec entry as kubectl runs it: kubeconfig.exec-command (a command line in `command`),
 * kubeconfig.gui-path (the PATH apps outside a shell get), kubeconfig.exec-output (get-token's
 * output format) and kubeconfig.exec-profile (the profile exists; its SSO session is live).
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { CheckResult } from '../../../../src/engine/types.js'
import { execCommandProbe } from '../../../../src/probes/kubeconfig/exec-command.js'
import { execOutputProbe } from '../../../../src/probes/kubeconfig/exec-output.js'
import { execProfileProbe } from '../../../../src/probes/kubeconfig/exec-profile.js'
import { guiPathProbe } from '../../../../src/probes/kubeconfig/gui-path.js'
import { FIXED_NOW, fakeEnv, runProbe, type FakeEnvOptions } from '../../../helpers/fake-env.js'

const WORLDS = [
  { platform: 'linux' as const, home: '/home/ana', cluster: 'ledger-prod', region: 'eu-west-1', profile: 'ledger-admin' },
  { platform: 'darwin' as const, home: '/Users/ana', cluster: 'inventory_stage-2', region: 'ap-northeast-2', profile: 'inv' },
]
type World = (typeof WORLDS)[number]
const [LINUX, DARWIN] = WORLDS as unknown as [World, World]

function kubeconfig(o: { command: string; args?: string[]; env?: Record<string, string>; user?: string }): string {
  const user = o.user ?? 'ops-user'
  return [
    'apiVersion: v1',
    'kind: Config',
    'current-context: ops',
    'clusters:',
    '- name: ops-cluster',
    '  cluster: {server: "https://10.0.0.1"}',
    'contexts:',
    '- name: ops',
    `  context: {cluster: ops-cluster, user: ${user}}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    '    exec:',
    '      apiVersion: client.authentication.k8s.io/v1beta1',
    `      command: ${JSON.stringify(o.command)}`,
    `      args: ${JSON.stringify(o.args ?? [])}`,
    ...(o.env ? ['      env:', ...Object.entries(o.env).flatMap(([name, value]) => [`      - name: ${name}`, `        value: ${value}`])] : []),
    '',
  ].join('\n')
}

function world(w: World, o: { kube: string; aws?: string; extra?: Partial<FakeEnvOptions> }) {
  const file = `${w.home}/.kube/config`
  const env = fakeEnv({
    platform: w.platform,
    home: w.home,
    vars: { HOME: w.home, ...o.extra?.vars },
    which: o.extra?.which,
    files: { [file]: o.kube, ...(o.aws ? { [`${w.home}/.aws/config`]: o.aws } : {}), ...o.extra?.files },
    stats: o.extra?.stats,
  })
  return { env, file }
}

const inContext = { context: 'ops', sources: { context: 'current-context' } }
const getToken = (w: World) => ['--region', w.region, 'eks', 'get-token', '--cluster-name', w.cluster]

describe('kubeconfig.exec-command', () => {
  it.each(WORLDS)('$platform: a whole command line in command fails, with the split set-credentials command', async (w) => {
    const line = `aws eks get-token --cluster-name ${w.cluster} --region ${w.region}`
    const { env, file } = world(w, { kube: kubeconfig({ command: line }), extra: { which: { aws: '/usr/local/bin/aws' } } })
    const outcome = await runProbe(execCommandProbe, { env, target: inContext })
    expect(outcome).toMatchObject({ status: 'fail', code: 'EXEC_COMMAND_LINE', category: 'kubeconfig' })
    expect(outcome.detail).toBe(
      `context ops (user ops-user in ${file}) has the whole command line "${line}" in command: kubectl fails with \`exec: executable ${line} not found\`; it should run /usr/local/bin/aws with the other words as args`,
    )
    expect(outcome.fixes?.[0]?.commands).toEqual([
      `kubectl --kubeconfig ${file} config set-credentials ops-user --exec-command=/usr/local/bin/aws --exec-arg=eks --exec-arg=get-token --exec-arg=--cluster-name --exec-arg=${w.cluster} --exec-arg=--region --exec-arg=${w.region}`,
    ])
    expect(outcome.fixes?.[0]?.why).toContain(`command: /usr/local/bin/aws and args: [eks, get-token, --cluster-name, ${w.cluster}, --region, ${w.region}]`)
  })

  it('keeps the existing args after the split words, and quotes as the shell would', async () => {
    const w = LINUX
    const { env, file } = world(w, { kube: kubeconfig({ command: `aws 'eks' get-token`, args: ['--cluster-name', w.cluster] }), extra: { which: { aws: '/usr/bin/aws' } } })
    const outcome = await runProbe(execCommandProbe, { env, target: inContext })
    expect(outcome.fixes?.[0]?.commands).toEqual([`kubectl --kubeconfig ${file} config set-credentials ops-user --exec-command=/usr/bin/aws --exec-arg=eks --exec-arg=get-token --exec-arg=--cluster-name --exec-arg=${w.cluster}`])
  })

  it('win32: a path with spaces that exists is one program; one followed by words is split at the longest existing prefix', async () => {
    const aws = 'C:\\Program Files\\Amazon\\AWSCLIV2\\aws.exe'
    const file = 'C:\\Users\\ana\\.kube\\config'
    const make = (command: string) =>
      fakeEnv({ platform: 'win32', home: 'C:\\Users\\ana', vars: { KUBECONFIG: file }, files: { [file]: kubeconfig({ command, args: command === aws ? ['eks', 'get-token'] : [] }) }, stats: { [aws]: { size: 1, mtimeMs: 1 } } })
    const fine = await runProbe(execCommandProbe, { env: make(aws), target: inContext })
    expect(fine).toMatchObject({ status: 'pass', detail: `ops: command ${aws} with 2 args` })
    const line = await runProbe(execCommandProbe, { env: make(`${aws} eks get-token --cluster-name ledger-prod`), target: inContext })
    expect(line.status).toBe('fail')
    expect(line.fixes?.[0]?.commands).toEqual([`kubectl --kubeconfig ${file} config set-credentials ops-user '--exec-command=${aws}' --exec-arg=eks --exec-arg=get-token --exec-arg=--cluster-name --exec-arg=ledger-prod`])
  })

  it('skips a bare --endpoint, and a --cluster run with no context for the cluster', async () => {
    const { env } = world(LINUX, { kube: kubeconfig({ command: 'aws' }) })
    expect((await runProbe(execCommandProbe, { env, target: { endpoint: 'https://10.0.0.1', sources: { endpoint: '--endpoint' } } })).status).toBe('skip')
    const none = await runProbe(execCommandProbe, { env, target: { cluster: 'ledger-prod', region: 'eu-west-1' }, data: { 'kubeconfig.context': [] } })
    expect(none).toMatchObject({ status: 'skip', detail: 'no kubeconfig context targets ledger-prod' })
  })
})

describe('kubeconfig.gui-path', () => {
  it('darwin: aws only in /opt/homebrew/bin warns, with the absolute path to set', async () => {
    const w = DARWIN
    const { env, file } = world(w, { kube: kubeconfig({ command: 'aws', args: getToken(w) }), extra: { which: { aws: '/opt/homebrew/bin/aws' }, stats: { '/opt/homebrew/bin/aws': { size: 2_000_000, mtimeMs: 1 } } } })
    const outcome = await runProbe(guiPathProbe, { env, target: inContext })
    expect(outcome).toMatchObject({ status: 'warn', code: 'EXEC_NOT_ON_GUI_PATH' })
    expect(outcome.detail).toBe(
      `apps started from the Dock or Finder without your shell's environment (Lens, IDEs) get PATH=/usr/bin:/bin:/usr/sbin:/sbin: context ops (user ops-user in ${file}): its command aws is /opt/homebrew/bin/aws only through your shell's PATH, so kubectl there fails with \`exec: executable aws not found\``,
    )
    expect(outcome.fixes?.[0]?.commands).toEqual([`kubectl --kubeconfig ${file} config set-credentials ops-user --exec-command=/opt/homebrew/bin/aws`])
    expect(outcome.fixes?.[0]?.why).toContain('needs command: /opt/homebrew/bin/aws')
  })

  it('linux: aws in ~/.local/bin warns; in /usr/local/bin it passes', async () => {
    const w = LINUX
    const local = `${w.home}/.local/bin/aws`
    const a = world(w, { kube: kubeconfig({ command: 'aws', args: getToken(w) }), extra: { which: { aws: local } } })
    const warned = await runProbe(guiPathProbe, { env: a.env, target: inContext })
    expect(warned.status).toBe('warn')
    expect(warned.detail).toContain(`its command aws is ${local} only through your shell's PATH`)
    expect(warned.detail).toContain('get PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin')
    const b = world(w, { kube: kubeconfig({ command: 'aws', args: getToken(w) }), extra: { which: { aws: '/usr/local/bin/aws' }, stats: { '/usr/local/bin/aws': { size: 9_000_000, mtimeMs: 1 } } } })
    expect(await runProbe(guiPathProbe, { env: b.env, target: inContext })).toMatchObject({ status: 'pass' })
  })

  it('an absolute script whose #!/usr/bin/env node lives only on the shell PATH: node with the script first', async () => {
    const w = DARWIN
    const script = `${w.home}/.nvm/versions/node/v22.11.0/bin/eksdoctor`
    const node = `${w.home}/.nvm/versions/node/v22.11.0/bin/node`
    const { env, file } = world(w, {
      kube: kubeconfig({ command: script, args: ['token', '--cluster', w.cluster, '--region', w.region] }),
      extra: { which: { node }, files: { [script]: '#!/usr/bin/env node\nimport "./x.js"\n' }, stats: { [script]: { size: 40, mtimeMs: 1 } } },
    })
    const outcome = await runProbe(guiPathProbe, { env, target: inContext })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain(`its command ${script} starts with #!/usr/bin/env node, and node is ${node}, not on that PATH, so kubectl there fails with \`exec: executable ${script} failed with exit code 127\``)
    expect(outcome.fixes?.[0]?.commands).toEqual([
      `kubectl --kubeconfig ${file} config set-credentials ops-user --exec-command=${node} --exec-arg=${script} --exec-arg=token --exec-arg=--cluster --exec-arg=${w.cluster} --exec-arg=--region --exec-arg=${w.region}`,
    ])
  })

  it('win32 is skipped: apps get PATH from the registry', async () => {
    const outcome = await runProbe(guiPathProbe, { env: fakeEnv({ platform: 'win32' }), target: inContext })
    expect(outcome).toMatchObject({ status: 'skip', detail: 'Windows apps get PATH from the registry, as terminals do' })
  })
})

describe('kubeconfig.exec-output', () => {
  it.each(WORLDS)('$platform: output = text in the profile of the entry fails, with --output json and the profile fix', async (w) => {
    const { env, file } = world(w, { kube: kubeconfig({ command: 'aws', args: getToken(w), env: { AWS_PROFILE: w.profile } }), aws: `[profile ${w.profile}]\nregion = ${w.region}\noutput = text\n` })
    const outcome = await runProbe(execOutputProbe, { env, target: inContext })
    expect(outcome).toMatchObject({ status: 'fail', code: 'EXEC_OUTPUT_NOT_JSON', category: 'kubeconfig' })
    expect(outcome.detail).toBe(
      `context ops (user ops-user in ${file}) runs aws eks get-token with output text (output = text in the profile ${w.profile} of ${w.home}/.aws/config): it prints a text rendering, not JSON, so kubectl fails with \`getting credentials: decoding stdout: couldn't get version/kind; json parse error\``,
    )
    expect(outcome.fixes?.[0]?.commands).toEqual([
      `kubectl --kubeconfig ${file} config set-credentials ops-user ${[...getToken(w), '--output', 'json'].map((a) => `--exec-arg=${a}`).join(' ')}`,
      `aws configure set output json --profile ${w.profile}`,
    ])
  })

  it('AWS_DEFAULT_OUTPUT in the entry beats the profile; --output json in args beats both', async () => {
    const w = LINUX
    const table = world(w, { kube: kubeconfig({ command: 'aws', args: getToken(w), env: { AWS_DEFAULT_OUTPUT: 'table' } }), aws: '[default]\noutput = json\n' })
    const failed = await runProbe(execOutputProbe, { env: table.env, target: inContext })
    expect(failed.detail).toContain('with output table (its env AWS_DEFAULT_OUTPUT)')
    expect(failed.fixes?.[0]?.commands[1]).toBe(`kubectl --kubeconfig ${table.file} config set-credentials ops-user --exec-env=AWS_DEFAULT_OUTPUT-`)
    const pinned = world(w, { kube: kubeconfig({ command: 'aws', args: [...getToken(w), '--output', 'json'] }), aws: '[default]\noutput = text\n' })
    expect(await runProbe(execOutputProbe, { env: pinned.env, target: inContext })).toMatchObject({ status: 'pass', detail: 'ops: aws eks get-token prints json (its --output argument)' })
  })

  it('yaml decodes with AWS CLI v2, and is refused by v1', async () => {
    const w = LINUX
    const { env } = world(w, { kube: kubeconfig({ command: 'aws', args: getToken(w) }), aws: '[default]\noutput = yaml\n' })
    const tools = (version: string) => ({ 'env.tools': { aws: { path: '/usr/bin/aws', version } } })
    expect((await runProbe(execOutputProbe, { env, target: inContext, data: tools('2.22.4') })).status).toBe('pass')
    const v1 = await runProbe(execOutputProbe, { env, target: inContext, data: tools('1.45.11') })
    expect(v1.status).toBe('fail')
    expect(v1.detail).toContain('AWS CLI 1.45.11 knows no output yaml (`Unknown output type: yaml`), so kubectl fails with `getting credentials: exec: executable aws failed with exit code 255`')
  })
})

describe('kubeconfig.exec-profile', () => {
  it.each(WORLDS)('$platform: a profile in neither file fails, naming the files read and the nearest profile', async (w) => {
    const typo = `${w.profile}s`
    const { env, file } = world(w, { kube: kubeconfig({ command: 'aws', args: getToken(w), env: { AWS_PROFILE: typo } }), aws: `[profile ${w.profile}]\nregion = ${w.region}\n` })
    const outcome = await runProbe(execProfileProbe, { env, target: inContext })
    expect(outcome).toMatchObject({ status: 'fail', code: 'AWS_UNKNOWN_PROFILE', category: 'kubeconfig' })
    expect(outcome.detail).toBe(
      `context ops (user ops-user in ${file}) signs with the AWS profile "${typo}" (its env AWS_PROFILE), which is in neither ${w.home}/.aws/config nor ${w.home}/.aws/credentials (missing); did you mean ${w.profile}?`,
    )
    expect(outcome.fixes?.[0]?.commands).toEqual([`kubectl --kubeconfig ${file} config set-credentials ops-user --exec-env=AWS_PROFILE=${w.profile}`, `aws configure sso --profile ${typo}`])
  })

  it('--profile in args wins over AWS_PROFILE, and its fix rewrites the args', async () => {
    const w = LINUX
    const { env, file } = world(w, { kube: kubeconfig({ command: 'aws', args: [...getToken(w), '--profile', 'ledger-admn'], env: { AWS_PROFILE: w.profile } }), aws: `[profile ${w.profile}]\nregion = ${w.region}\n` })
    const outcome = await runProbe(execProfileProbe, { env, target: inContext })
    expect(outcome.detail).toContain('"ledger-admn" (its --profile argument)')
    expect(outcome.fixes?.[0]?.commands[0]).toBe(`kubectl --kubeconfig ${file} config set-credentials ops-user ${[...getToken(w), '--profile', w.profile].map((a) => `--exec-arg=${a}`).join(' ')}`)
  })

  const sha1 = (s: string) => createHash('sha1').update(s).digest('hex')
  const iso = (offsetMs: number) => new Date(FIXED_NOW + offsetMs).toISOString().replace('.000Z', 'Z')

  it.each(WORLDS)('$platform: a legacy SSO profile whose cached token (sha1 of the start URL) expired fails with aws sso login', async (w) => {
    const url = `https://${w.cluster.replace(/_/g, '-')}.awsapps.com/start`
    const cache = `${w.home}/.aws/sso/cache/${sha1(url)}.json`
    const { env, file } = world(w, {
      kube: kubeconfig({ command: 'aws', args: getToken(w), env: { AWS_PROFILE: w.profile } }),
      aws: `[profile ${w.profile}]\nsso_start_url = ${url}\nsso_region = ${w.region}\nsso_account_id = 123456789012\nsso_role_name = Admin\n`,
      extra: { files: { [cache]: JSON.stringify({ startUrl: url, region: w.region, accessToken: 'secret-token-value', expiresAt: iso(-3600_000) }) } },
    })
    const outcome = await runProbe(execProfileProbe, { env, target: inContext })
    expect(outcome).toMatchObject({ status: 'fail', code: 'AWS_SSO_EXPIRED', category: 'credentials' })
    expect(outcome.detail).toBe(`context ops (user ops-user in ${file}) signs with the SSO profile ${w.profile}, which has an SSO token that expired at ${iso(-3600_000)} (${cache}, keyed by sso_start_url ${url}): the plugin fails and so does kubectl`)
    expect(outcome.fixes?.[0]?.commands).toEqual([`aws sso login --profile ${w.profile}`, `aws sts get-caller-identity --profile ${w.profile}`])
    expect(JSON.stringify(outcome)).not.toContain('secret-token-value')
  })

  it('an sso-session token is keyed by the session name; refreshable passes, missing and unrefreshable fail', async () => {
    const w = LINUX
    const cache = `${w.home}/.aws/sso/cache/${sha1('corp')}.json`
    const aws = `[profile ${w.profile}]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n`
    const run = (token?: object) =>
      runProbe(execProfileProbe, { env: world(w, { kube: kubeconfig({ command: 'aws', args: getToken(w), env: { AWS_PROFILE: w.profile } }), aws, extra: { files: token ? { [cache]: JSON.stringify(token) } : {} } }).env, target: inContext })
    const refreshable = await run({ accessToken: 'a', expiresAt: iso(-60_000), refreshToken: 'r', clientId: 'c', clientSecret: 's', registrationExpiresAt: iso(86_400_000) })
    expect(refreshable).toMatchObject({ status: 'pass', detail: `ops: profile ${w.profile}: SSO access token expired at ${iso(-60_000)}, renewed with its refresh token` })
    const valid = await run({ accessToken: 'a', expiresAt: iso(3600_000) })
    expect(valid).toMatchObject({ status: 'pass', detail: `ops: profile ${w.profile}: SSO session valid until ${iso(3600_000)}` })
    const expired = await run({ accessToken: 'a', expiresAt: iso(-60_000), refreshToken: 'r', clientId: 'c', clientSecret: 's', registrationExpiresAt: iso(-1000) })
    expect(expired.detail).toContain(`expired at ${iso(-60_000)} (${cache}, keyed by sso_session corp) and cannot be refreshed`)
    const missing = await run()
    expect(missing).toMatchObject({ status: 'fail', code: 'AWS_SSO_EXPIRED' })
    expect(missing.detail).toContain(`has no cached SSO token (${cache}, keyed by sso_session corp): it was never logged in, or logged out`)
  })

  it('follows credentials.identity when eksdoctor signs with the same profile and already failed on it', async () => {
    const w = LINUX
    const { env } = world(w, { kube: kubeconfig({ command: 'aws', args: getToken(w), env: { AWS_PROFILE: 'gone' } }) })
    const identity = { id: 'credentials.identity', layer: 'credentials', title: '', status: 'fail', code: 'AWS_UNKNOWN_PROFILE', detail: '', evidence: { profile: 'gone' }, durationMs: 1 } as CheckResult
    const outcome = await runProbe(execProfileProbe, { env, target: inContext, results: { 'credentials.identity': identity } })
    expect(outcome).toMatchObject({ status: 'fail', explainedBy: 'credentials.identity' })
  })

  it('no profile named and no [default] is not its finding', async () => {
    const w = LINUX
    const { env } = world(w, { kube: kubeconfig({ command: 'aws', args: getToken(w) }) })
    expect(await runProbe(execProfileProbe, { env, target: inContext })).toMatchObject({ status: 'pass', detail: 'ops: no profile named and no default profile' })
  })
})
