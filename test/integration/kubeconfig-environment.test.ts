/**
 * Issue 12, part 3: the kubeconfig and exec environment around kubectl, with the built CLI and real
 * kubectl (and the real AWS CLI where get-token's own behaviour is the subject). Each finding is
 * reproduced in a fresh HOME, its JSON check read, kubectl shown to fail as the detail says, and
 * the printed fix run to show kubectl then gets past it.
 */
import { execFile, spawn } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { findClosedPort } from '../helpers/fault-servers.js'
import { createCa, createTempDir, issueServerCert, removeTempDir, type Ca } from '../helpers/pki.js'
import { BIN, cleanEnv, runCli, type CliRun } from '../helpers/run-cli.js'

// Keys that cannot be mistaken for real ones: nothing here is ever sent to AWS.
const KEY_ID = 'AKIDLOOPBACKONLY0000'
const SECRET = 'fakeSecretKeyForLoopbackOnly/0123456789abcdef'

let dir: string
let ca: Ca
let api: ApiServer
let closedPort: number

beforeAll(async () => {
  dir = createTempDir('eksdoctor-kenv-')
  chmodSync(dir, 0o755)
  ca = createCa(dir)
  const leaf = issueServerCert(ca, { commonName: 'kube-apiserver', dnsNames: ['kubernetes'], ipAddresses: ['127.0.0.1'] })
  api = await startApiServer({ cert: leaf.certPem, key: leaf.keyPem })
  closedPort = await findClosedPort()
})

afterAll(async () => {
  await api?.close()
  removeTempDir(dir)
})

/** A fresh HOME with ~/.kube and ~/.aws, readable by every user (the unwritable case runs as nobody). */
function freshHome(): string {
  const home = mkdtempSync(join(dir, 'home-'))
  chmodSync(home, 0o755)
  mkdirSync(join(home, '.kube'), { mode: 0o755 })
  mkdirSync(join(home, '.aws'), { mode: 0o755 })
  return home
}

/** One context "ops" on the loopback API server, with the user lines given. */
function kubeconfig(user: string[], o: { context?: string; userName?: string; current?: boolean } = {}): string {
  const context = o.context ?? 'ops'
  const userName = o.userName ?? 'ops-user'
  return [
    'apiVersion: v1',
    'kind: Config',
    ...(o.current === false ? [] : [`current-context: ${context}`]),
    'clusters:',
    '- name: loop',
    '  cluster:',
    `    server: ${api.url}`,
    `    certificate-authority-data: ${Buffer.from(ca.certPem).toString('base64')}`,
    'contexts:',
    `- name: ${context}`,
    `  context: {cluster: loop, user: ${userName}}`,
    'users:',
    `- name: ${userName}`,
    '  user:',
    ...user.map((l) => `    ${l}`),
    '',
  ].join('\n')
}

/** The environment of a user at a terminal: this HOME, its AWS files, no way out to AWS. */
function envOf(home: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  return cleanEnv({
    HOME: home,
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    // STS and EKS calls fail at once instead of leaving the machine.
    AWS_ENDPOINT_URL: `http://127.0.0.1:${closedPort}`,
    ...extra,
  })
}

function kubectl(args: string[], environment: Record<string, string>, o: { file?: string; uid?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(o.file ?? 'kubectl', args, { env: environment, timeout: 30_000, ...(o.uid !== undefined ? { uid: o.uid, gid: o.uid } : {}) }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
    child.stdin?.end()
  })
}

/** Run a printed fix command as the user would paste it. */
function shell(command: string, environment: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return kubectl(['-c', command], environment, { file: '/bin/sh' })
}

function check(run: CliRun, id: string) {
  const found = run.json?.checks?.find((c: { id: string }) => c.id === id)
  expect(found, `${id} in ${run.stdout.slice(0, 400)} ${run.stderr}`).toBeDefined()
  return found
}

function fixesOf(run: CliRun, id: string): string[] {
  return check(run, id).fixes.flatMap((f: { commands: string[] }) => f.commands)
}

describe('a stale lock beside the kubeconfig', () => {
  it('kubectl config fails with "open …lock: file exists"; the check names the lock and its age, and its fix clears it', async () => {
    const home = freshHome()
    const config = join(home, '.kube', 'config')
    writeFileSync(config, kubeconfig(['token: not-a-secret']))
    const lock = `${config}.lock`
    writeFileSync(lock, '')
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
    utimesSync(lock, twoHoursAgo, twoHoursAgo)
    const env = envOf(home)
    const real = await kubectl(['config', 'set-context', 'scratch', '--cluster=loop'], env)
    expect(real.code).not.toBe(0)
    expect(real.stderr).toContain(`error: open ${lock}: file exists`)

    const run = await runCli(['check', '--json'], { env })
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.json.verdict.status).toBe('warn')
    const lockCheck = check(run, 'kubeconfig.lock')
    expect(lockCheck).toMatchObject({ status: 'warn', code: 'KUBECONFIG_LOCKED' })
    expect(lockCheck.detail).toMatch(new RegExp(`^${lock.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} was left 2 h 0 min ago \\(since ${twoHoursAgo.toISOString().slice(0, 16)}`))
    expect(lockCheck.detail).toContain(`fails with \`error: open ${lock}: file exists\``)
    const [fix] = fixesOf(run, 'kubeconfig.lock')
    expect(fix).toBe(`pgrep -x kubectl || rm ${lock}`)

    // pgrep finds a kubectl another test file may be running: then the guard holds, as it should; try again.
    for (let i = 0; i < 20 && existsSync(lock); i++) {
      await shell(fix as string, env)
      if (existsSync(lock)) await new Promise((r) => setTimeout(r, 500))
    }
    expect(existsSync(lock)).toBe(false)
    expect((await kubectl(['config', 'set-context', 'scratch', '--cluster=loop'], env)).code).toBe(0)
    expect(check(await runCli(['check', '--json'], { env }), 'kubeconfig.lock').status).toBe('pass')
  })
})

describe('a kubeconfig directory this user cannot write', () => {
  const asRoot = process.getuid?.() === 0
  it.skipIf(!asRoot)('as nobody, under a ~/.kube owned by root: kubectl config fails with permission denied, and the check gives the directory back', async () => {
    const home = freshHome()
    chownSync(home, 65534, 65534)
    const config = join(home, '.kube', 'config')
    writeFileSync(config, kubeconfig(['token: not-a-secret']), { mode: 0o644 })
    const env = envOf(home, { USER: 'nobody' })
    const real = await kubectl(['config', 'set-context', 'scratch', '--cluster=loop'], env, { uid: 65534 })
    expect(real.code).not.toBe(0)
    expect(real.stderr).toContain(`error: open ${config}.lock: permission denied`)

    const run = await new Promise<CliRun>((done, fail) => {
      const child = spawn(process.execPath, [BIN, 'check', '--json'], { env, uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (c) => (stdout += c))
      child.stderr.on('data', (c) => (stderr += c))
      child.on('error', fail)
      child.on('close', (exitCode) => done({ exitCode, stdout, stderr, json: JSON.parse(stdout) }))
    })
    const writable = check(run, 'kubeconfig.writable')
    expect(writable).toMatchObject({ status: 'warn', code: 'KUBECONFIG_NOT_WRITABLE' })
    expect(writable.detail).toBe(
      `${home}/.kube is not writable by this user: \`kubectl config\` changes fail with \`error: open ${config}.lock: permission denied\`, and ${config} itself is not writable either, so eksdoctor kubeconfig leaves it untouched`,
    )
    expect(fixesOf(run, 'kubeconfig.writable')).toEqual([`sudo chown -R nobody ${home}/.kube`, `chmod u+rwX ${home}/.kube`])
    // Run the fix as root would (sudo), then kubectl as nobody works.
    await shell(`chown -R nobody ${home}/.kube`, env)
    expect((await kubectl(['config', 'set-context', 'scratch', '--cluster=loop'], env, { uid: 65534 })).code).toBe(0)
  })
})

describe('KUBECONFIG with a trailing separator, in --endpoint mode', () => {
  it('kubectl config writes to the empty last entry and fails; the check says so and its export fixes it', async () => {
    const home = freshHome()
    const file = join(home, '.kube', 'work.yaml')
    const env = envOf(home, { KUBECONFIG: `${file}:` })
    const real = await kubectl(['config', 'set-context', 'scratch', '--cluster=loop'], env)
    expect(real.stderr).toContain('error: open : no such file or directory')

    const run = await runCli(['check', '--endpoint', api.url, '--ca-file', ca.certPath, '--json'], { env })
    expect(run.exitCode, run.stderr).toBe(0)
    const path = check(run, 'kubeconfig.path-variable')
    expect(path).toMatchObject({
      status: 'warn',
      code: 'KUBECONFIG_PATH_ODD',
      detail: `KUBECONFIG=${file}:: it ends with ":" and none of its files exists yet, so \`kubectl config\` writes to the empty last entry and fails with \`error: open : no such file or directory\``,
    })
    const [fix] = fixesOf(run, 'kubeconfig.path-variable')
    expect(fix).toBe(`export KUBECONFIG=${file}`)
    expect((await shell(`${fix} && kubectl config set-context scratch --cluster=loop`, env)).code).toBe(0)
    expect(readFileSync(file, 'utf8')).toContain('scratch')
  })
})

describe('a name defined in two KUBECONFIG files', () => {
  it('kubectl uses the first file’s user for the second file’s context; the check fails and its renames give the context its own', async () => {
    const home = freshHome()
    const first = join(home, '.kube', 'config')
    const second = join(home, '.kube', 'staging.yaml')
    writeFileSync(first, kubeconfig(['token: from-first-file'], { context: 'prod', userName: 'aws', current: false }))
    writeFileSync(second, kubeconfig(['token: from-second-file'], { context: 'stage', userName: 'aws' }))
    const env = envOf(home, { KUBECONFIG: `${first}:${second}` })
    const minify = await kubectl(['config', 'view', '--minify', '--raw', '-o', 'jsonpath={.users[0].user.token}'], env)
    expect(minify.stdout).toBe('from-first-file')

    const run = await runCli(['check', '--json'], { env })
    expect(run.exitCode, JSON.stringify(run.json?.verdict)).toBe(12)
    expect(run.json.verdict).toMatchObject({ category: 'kubeconfig', rootCause: 'kubeconfig.shadowed' })
    const shadowed = check(run, 'kubeconfig.shadowed')
    expect(shadowed).toMatchObject({ status: 'fail', code: 'KUBECONFIG_SHADOWED' })
    expect(shadowed.detail).toBe(`context stage (${second}) means its own user aws (token), but kubectl uses the user aws of ${first} (token), the first KUBECONFIG file to define it`)
    expect(JSON.stringify(run.json)).not.toMatch(/from-(first|second)-file/)
    for (const command of fixesOf(run, 'kubeconfig.shadowed')) expect((await shell(command, env)).code, command).toBe(0)
    expect((await kubectl(['config', 'view', '--minify', '--raw', '-o', 'jsonpath={.users[0].user.token}'], env)).stdout).toBe('from-second-file')
    expect(check(await runCli(['check', '--json'], { env }), 'kubeconfig.shadowed').status).toBe('pass')
  })
})

describe('the exec entry', () => {
  const credentials = (home: string, profile: string) =>
    writeFileSync(join(home, '.aws', 'credentials'), `[${profile}]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`)

  it('a whole command line in command: kubectl cannot find that "executable"; the split set-credentials makes it run', async () => {
    const home = freshHome()
    const config = join(home, '.kube', 'config')
    const line = 'aws eks get-token --cluster-name demo --region eu-west-1'
    writeFileSync(config, kubeconfig(['exec:', '  apiVersion: client.authentication.k8s.io/v1beta1', `  command: ${line}`, '  env: [{name: AWS_PROFILE, value: demo}]']))
    credentials(home, 'demo')
    const env = envOf(home)
    const real = await kubectl(['get', '--raw', '/readyz'], env)
    expect(real.stderr).toContain(`exec: executable ${line} not found`)

    const run = await runCli(['check', '--json'], { env, timeoutMs: 60_000 })
    expect(run.json.verdict).toMatchObject({ category: 'kubeconfig', rootCause: 'kubeconfig.exec-command' })
    expect(run.exitCode).toBe(12)
    const aws = (await shell('command -v aws', env)).stdout.trim()
    expect(check(run, 'kubeconfig.exec-command')).toMatchObject({
      status: 'fail',
      code: 'EXEC_COMMAND_LINE',
      detail: `context ops (user ops-user in ${config}) has the whole command line "${line}" in command: kubectl fails with \`exec: executable ${line} not found\`; it should run ${aws} with the other words as args`,
    })
    const [fix] = fixesOf(run, 'kubeconfig.exec-command')
    expect(fix).toBe(`kubectl --kubeconfig ${config} config set-credentials ops-user --exec-command=${aws} --exec-arg=eks --exec-arg=get-token --exec-arg=--cluster-name --exec-arg=demo --exec-arg=--region --exec-arg=eu-west-1`)
    expect((await shell(fix as string, env)).code).toBe(0)
    const after = await kubectl(['get', '--raw', '/readyz'], env)
    expect(after.stderr).not.toContain('not found')
    expect(check(await runCli(['check', '--json'], { env, timeoutMs: 60_000 }), 'kubeconfig.exec-command').status).toBe('pass')
  }, 120_000)

  it('output = text in the profile it runs with: kubectl cannot decode aws eks get-token; --output json in the entry fixes it', async () => {
    const home = freshHome()
    const config = join(home, '.kube', 'config')
    writeFileSync(
      config,
      kubeconfig(['exec:', '  apiVersion: client.authentication.k8s.io/v1beta1', '  command: aws', '  args: [--region, eu-west-1, eks, get-token, --cluster-name, demo]', '  env: [{name: AWS_PROFILE, value: textual}]']),
    )
    writeFileSync(join(home, '.aws', 'config'), '[profile textual]\nregion = eu-west-1\noutput = text\n')
    credentials(home, 'textual')
    const env = envOf(home)
    const real = await kubectl(['get', '--raw', '/readyz'], env)
    expect(real.stderr).toContain("getting credentials: decoding stdout: couldn't get version/kind; json parse error")

    const run = await runCli(['check', '--json'], { env, timeoutMs: 60_000 })
    expect(run.json.verdict).toMatchObject({ category: 'kubeconfig', rootCause: 'kubeconfig.exec-output' })
    const output = check(run, 'kubeconfig.exec-output')
    expect(output).toMatchObject({ status: 'fail', code: 'EXEC_OUTPUT_NOT_JSON' })
    expect(output.detail).toBe(
      `context ops (user ops-user in ${config}) runs aws eks get-token with output text (output = text in the profile textual of ${home}/.aws/config): it prints a text rendering, not JSON, so kubectl fails with \`getting credentials: decoding stdout: couldn't get version/kind; json parse error\``,
    )
    const fixes = fixesOf(run, 'kubeconfig.exec-output')
    expect(fixes).toEqual([
      `kubectl --kubeconfig ${config} config set-credentials ops-user --exec-arg=--region --exec-arg=eu-west-1 --exec-arg=eks --exec-arg=get-token --exec-arg=--cluster-name --exec-arg=demo --exec-arg=--output --exec-arg=json`,
      'aws configure set output json --profile textual',
    ])
    // kubectl's own verdict on the entry follows from it, so it is no broken link of its own.
    expect(check(run, 'kubeconfig.kubectl')).toMatchObject({ status: 'fail', explainedBy: 'kubeconfig.exec-output' })
    expect((await shell(fixes[0] as string, env)).code).toBe(0)
    expect((await kubectl(['get', '--raw', '/readyz'], env)).stderr).not.toContain('decoding stdout')
    expect(check(await runCli(['check', '--json'], { env, timeoutMs: 60_000 }), 'kubeconfig.exec-output').status).toBe('pass')
  }, 120_000)

  it('a profile that exists nowhere, and an SSO profile whose cached token expired: both named, with the way out', async () => {
    const home = freshHome()
    const config = join(home, '.kube', 'config')
    const entry = (profile: string) => kubeconfig(['exec:', '  apiVersion: client.authentication.k8s.io/v1beta1', '  command: aws', '  args: [--region, eu-west-1, eks, get-token, --cluster-name, demo, --output, json]', `  env: [{name: AWS_PROFILE, value: ${profile}}]`])
    writeFileSync(join(home, '.aws', 'config'), '[profile platform]\nregion = eu-west-1\n[profile sso-admin]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = eu-west-1\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n')
    writeFileSync(config, entry('platfrom'))
    const env = envOf(home)
    expect((await kubectl(['get', '--raw', '/readyz'], env)).stderr).toContain('The config profile (platfrom) could not be found')
    const unknown = await runCli(['check', '--json'], { env, timeoutMs: 60_000 })
    expect(check(unknown, 'kubeconfig.exec-profile')).toMatchObject({
      status: 'fail',
      code: 'AWS_UNKNOWN_PROFILE',
      detail: `context ops (user ops-user in ${config}) signs with the AWS profile "platfrom" (its env AWS_PROFILE), which is in neither ${home}/.aws/config nor ${home}/.aws/credentials (missing); did you mean platform?`,
    })
    expect(fixesOf(unknown, 'kubeconfig.exec-profile')).toEqual([`kubectl --kubeconfig ${config} config set-credentials ops-user --exec-env=AWS_PROFILE=platform`, 'aws configure sso --profile platfrom'])

    writeFileSync(config, entry('sso-admin'))
    const { createHash } = await import('node:crypto')
    const cache = join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update('corp').digest('hex')}.json`)
    mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true })
    writeFileSync(cache, JSON.stringify({ startUrl: 'https://corp.awsapps.com/start', region: 'eu-west-1', accessToken: 'cached-secret', expiresAt: '2024-01-01T00:00:00Z' }))
    expect((await kubectl(['get', '--raw', '/readyz'], env)).stderr).toContain('Token has expired and refresh failed')
    const expired = await runCli(['check', '--json'], { env, timeoutMs: 60_000 })
    expect(check(expired, 'kubeconfig.exec-profile')).toMatchObject({
      status: 'fail',
      code: 'AWS_SSO_EXPIRED',
      detail: `context ops (user ops-user in ${config}) signs with the SSO profile sso-admin, which has an SSO token that expired at 2024-01-01T00:00:00Z (${cache}, keyed by sso_session corp) and cannot be refreshed: the plugin fails and so does kubectl`,
    })
    expect(fixesOf(expired, 'kubeconfig.exec-profile')).toEqual(['aws sso login --profile sso-admin', 'aws sts get-caller-identity --profile sso-admin'])
    expect(JSON.stringify(expired.json)).not.toContain('cached-secret')
  }, 120_000)

  it('a command found only through a directory the shell adds: apps with the desktop PATH cannot run it; the absolute path fixes it', async () => {
    const home = freshHome()
    const config = join(home, '.kube', 'config')
    const bin = join(home, 'bin')
    mkdirSync(bin)
    const helper = join(bin, 'eks-token-helper')
    writeFileSync(helper, '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"helper-token"}}\'\n', { mode: 0o755 })
    writeFileSync(config, kubeconfig(['exec:', '  apiVersion: client.authentication.k8s.io/v1beta1', '  command: eks-token-helper']))
    const env = envOf(home, { PATH: `${bin}:${process.env.PATH}` })
    const desktop = { ...env, PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin' }
    const real = await kubectl(['get', '--raw', '/readyz'], desktop, { file: '/usr/bin/kubectl' })
    expect(real.stderr).toContain('exec: executable eks-token-helper not found')

    const run = await runCli(['check', '--json'], { env })
    const gui = check(run, 'kubeconfig.gui-path')
    expect(gui).toMatchObject({ status: 'warn', code: 'EXEC_NOT_ON_GUI_PATH' })
    expect(gui.detail).toBe(
      `apps started from the desktop without your shell's environment (Lens, IDEs) get PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin: context ops (user ops-user in ${config}): its command eks-token-helper is ${helper} only through your shell's PATH, so kubectl there fails with \`exec: executable eks-token-helper not found\``,
    )
    const [fix] = fixesOf(run, 'kubeconfig.gui-path')
    expect(fix).toBe(`kubectl --kubeconfig ${config} config set-credentials ops-user --exec-command=${helper}`)
    expect((await shell(fix as string, env)).code).toBe(0)
    expect((await kubectl(['get', '--raw', '/readyz'], desktop, { file: '/usr/bin/kubectl' })).stderr).not.toContain('not found')
    expect(check(await runCli(['check', '--json'], { env }), 'kubeconfig.gui-path').status).toBe('pass')
  }, 60_000)
})
