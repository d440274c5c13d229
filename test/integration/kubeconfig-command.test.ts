/**
 * `eksdoctor kubeconfig` as a user runs it, against a loopback EKS, side by side with the real
 * `aws eks update-kubeconfig` (aws CLI v1 honours AWS_ENDPOINT_URL_EKS) for the same cluster.
 */
import { spawn } from 'node:child_process'
import { accessSync, chmodSync, chownSync, constants, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, isAbsolute, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { startFakeEks, type FakeEks } from '../helpers/fake-eks.js'
import { createCa, createTempDir, removeTempDir, type Ca } from '../helpers/pki.js'
import { BIN, cleanEnv, runCli } from '../helpers/run-cli.js'

const KEY_ID = 'AKIDLOOPBACKONLY0000'
const SECRET = 'fakeSecretKeyForLoopbackOnly/0123456789abcdef'
const REGION = 'eu-west-1'
const ROLE = 'arn:aws:iam::111122223333:role/eks-admin'
const arnOf = (name: string) => `arn:aws:eks:${REGION}:111122223333:cluster/${name}`
const PAYMENTS = arnOf('payments-prod')
const LEDGER = arnOf('ledger')

let dir: string
let ca: Ca
let eks: FakeEks

/** A kubeconfig someone already uses: other entries, comments and unknown fields. */
const EXISTING = `# team kubeconfig, do not lose this comment
apiVersion: v1
kind: Config
preferences:
  colors: true
clusters:
- cluster:
    server: https://10.0.0.1:6443
    proxy-url: socks5://localhost:1080
    certificate-authority-data: TEFCLUNB
  name: lab
contexts:
- context:
    cluster: lab
    user: lab-admin
    namespace: team-a
  name: lab
- context:
    cluster: lab
    user: lab-admin
  name: prod-old
current-context: lab
users:
- name: lab-admin
  user:
    token: not-a-real-token
`

interface Named {
  name: string
  [key: string]: any
}
type Kubeconfig = { clusters: Named[]; users: Named[]; contexts: Named[]; [key: string]: any }

function env(extra: Record<string, string | undefined> = {}): Record<string, string> {
  return cleanEnv({ AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_ENDPOINT_URL_EKS: eks.url, ...extra })
}

/** The profile `platform` in the environment's AWS files, with the same loopback keys. */
function writeProfile(e: Record<string, string>): void {
  mkdirSync(join(e.HOME!, '.aws'), { recursive: true })
  writeFileSync(e.AWS_CONFIG_FILE!, `[profile platform]\nregion = ${REGION}\n`)
  writeFileSync(e.AWS_SHARED_CREDENTIALS_FILE!, `[platform]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`)
}

/** A fresh kubeconfig path in its own directory, optionally with content. */
let counter = 0
function kubeconfigFile(content?: string, mode = 0o600): string {
  const kdir = join(dir, `kc-${++counter}`)
  mkdirSync(kdir)
  const path = join(kdir, 'config')
  if (content !== undefined) {
    writeFileSync(path, content)
    chmodSync(path, mode)
  }
  return path
}

function read(path: string): Kubeconfig {
  return parse(readFileSync(path, 'utf8'))
}

function named(list: Named[] | undefined, name: string): Named | undefined {
  return (list ?? []).find((item) => item.name === name)
}

function names(list: Named[] | undefined): string[] {
  return (list ?? []).map((item) => item.name)
}

const modeOf = (path: string) => statSync(path).mode & 0o777

/** Runs a program without blocking the event loop (the fake EKS lives in this process), optionally elsewhere or as another user. */
function run(
  command: string,
  args: string[],
  o: { env: Record<string, string>; timeoutMs?: number; cwd?: string; uid?: number; gid?: number },
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env: o.env, cwd: o.cwd, uid: o.uid, gid: o.gid, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      fail(new Error(`${command} ${args.join(' ')} did not finish within ${o.timeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`))
    }, o.timeoutMs ?? 30_000)
    child.on('error', (error) => {
      clearTimeout(timer)
      fail(error)
    })
    child.on('close', (exitCode) => {
      clearTimeout(timer)
      done({ exitCode, stdout, stderr })
    })
  })
}

/** The entries for `cluster` in a parsed kubeconfig, in the fields both writers must agree on. */
function entriesOf(config: Kubeconfig, clusterArn: string, contextName: string) {
  const context = named(config.contexts, contextName)
  const cluster = named(config.clusters, clusterArn)
  const user = named(config.users, context?.context?.user)
  return {
    cluster: { name: cluster?.name, server: cluster?.cluster?.server, ca: cluster?.cluster?.['certificate-authority-data'] },
    user: {
      name: user?.name,
      apiVersion: user?.user?.exec?.apiVersion,
      command: user?.user?.exec?.command,
      args: user?.user?.exec?.args,
      env: user?.user?.exec?.env ?? null,
    },
    context: { name: context?.name, cluster: context?.context?.cluster, user: context?.context?.user },
  }
}

beforeAll(async () => {
  dir = createTempDir('eksdoctor-kubeconfig-cmd-')
  ca = createCa(dir)
  eks = await startFakeEks([
    { name: 'payments-prod', endpoint: 'https://127.0.0.1:64431', caPem: ca.certPem },
    { name: 'ledger', endpoint: 'https://127.0.0.1:64432', caPem: ca.certPem },
    { name: 'search', endpoint: 'https://127.0.0.1:64433', caPem: ca.certPem },
  ])
})

afterAll(async () => {
  await eks?.close()
  if (dir) removeTempDir(dir)
})

describe('eksdoctor kubeconfig', () => {
  it('adds the cluster to ~/.kube/config, keeps everything else, then finds it up to date', async () => {
    const e = env()
    const path = join(e.HOME!, '.kube', 'config')
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, EXISTING)
    chmodSync(path, 0o644)

    const first = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify'], { env: e })
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.stdout).toMatch(new RegExp(`^Added new context ${PAYMENTS} to ${path}\\b`, 'm'))
    const written = readFileSync(path, 'utf8')
    expect(written).toContain('# team kubeconfig, do not lose this comment')
    const config = read(path)
    const before: Kubeconfig = parse(EXISTING)
    expect(config.clusters).toEqual([...before.clusters, { cluster: { server: 'https://127.0.0.1:64431', 'certificate-authority-data': Buffer.from(ca.certPem).toString('base64') }, name: PAYMENTS }])
    expect(config.contexts).toEqual([...before.contexts, { context: { cluster: PAYMENTS, user: PAYMENTS }, name: PAYMENTS }])
    expect(names(config.users)).toEqual(['lab-admin', PAYMENTS])
    expect(named(config.users, 'lab-admin')).toEqual(before.users[0])
    expect(config.preferences).toEqual({ colors: true })
    expect(config['current-context']).toBe('lab')
    // The file keeps the mode its owner gave it, as with kubectl and the aws CLI.
    expect(modeOf(path)).toBe(0o644)
    expect(readFileSync(`${path}.eksdoctor.bak`, 'utf8')).toBe(EXISTING)

    const mtime = statSync(path).mtimeMs
    const second = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify'], { env: e })
    expect(second.exitCode, second.stderr).toBe(0)
    expect(second.stdout).toMatch(new RegExp(`^Context ${PAYMENTS} in ${path} is already up to date$`, 'm'))
    expect(readFileSync(path, 'utf8')).toBe(written)
    expect(statSync(path).mtimeMs).toBe(mtime)
    expect(readdirSync(dirname(path)).sort()).toEqual(['config', 'config.eksdoctor.bak'])
  })

  it('creates a missing kubeconfig with mode 0600', async () => {
    const e = env()
    const run1 = await runCli(['kubeconfig', '--cluster', 'ledger', '--region', REGION, '--no-verify'], { env: e })
    expect(run1.exitCode, run1.stderr).toBe(0)
    const path = join(e.HOME!, '.kube', 'config')
    expect(run1.stdout).toMatch(new RegExp(`^Added new context ${LEDGER} to ${path}$`, 'm'))
    expect(modeOf(path)).toBe(0o600)
    const config = read(path)
    expect(config).toMatchObject({ apiVersion: 'v1', kind: 'Config', 'current-context': LEDGER })
    expect(names(config.clusters)).toEqual([LEDGER])
    expect(existsSync(`${path}.eksdoctor.bak`)).toBe(false)
  })

  it('writes into the KUBECONFIG path that already holds the cluster', async () => {
    const first = kubeconfigFile(EXISTING)
    const holder = kubeconfigFile(EXISTING)
    const seeded = await runCli(['kubeconfig', '--cluster', 'ledger', '--region', REGION, '--no-verify', '--kubeconfig', holder], { env: env() })
    expect(seeded.exitCode, seeded.stderr).toBe(0)
    const again = await runCli(['kubeconfig', '--cluster', 'ledger', '--region', REGION, '--no-verify', '--alias', 'ledger'], {
      env: env({ KUBECONFIG: [first, holder].join(delimiter) }),
    })
    expect(again.exitCode, again.stderr).toBe(0)
    expect(readFileSync(first, 'utf8')).toBe(EXISTING)
    expect(names(read(holder).contexts)).toContain('ledger')
  })

  it('renames the user with --user-alias and the context with --alias, as the aws CLI does', async () => {
    const path = kubeconfigFile(EXISTING)
    const userOnly = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify', '--kubeconfig', path, '--user-alias', 'john'], { env: env() })
    expect(userOnly.exitCode, userOnly.stderr).toBe(0)
    let config = read(path)
    expect(named(config.users, 'john')?.user.exec.args).toEqual(['--region', REGION, 'eks', 'get-token', '--cluster-name', 'payments-prod', '--output', 'json'])
    expect(named(config.contexts, 'john')).toEqual({ context: { cluster: PAYMENTS, user: 'john' }, name: 'john' })
    expect(named(config.users, PAYMENTS)).toBeUndefined()

    const both = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify', '--kubeconfig', path, '--alias', 'stage', '--user-alias', 'jane'], { env: env() })
    expect(both.exitCode, both.stderr).toBe(0)
    config = read(path)
    expect(named(config.contexts, 'stage')).toEqual({ context: { cluster: PAYMENTS, user: 'jane' }, name: 'stage' })
    expect(named(config.users, 'jane')?.user.exec.command).toBe('aws')
    expect(names(config.clusters).filter((n) => n === PAYMENTS)).toHaveLength(1)
  })

  it('prints "Added new context" for a new alias that is a substring of an existing name', async () => {
    const path = kubeconfigFile(EXISTING) // holds a context "prod-old"; neither "prod" nor the cluster exists yet
    const result = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify', '--kubeconfig', path, '--alias', 'prod'], { env: env() })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`^Added new context prod to ${path}\\b`, 'm'))
  })

  it('--dry-run prints a unified diff that patch applies, and writes nothing', async () => {
    const path = kubeconfigFile(EXISTING, 0o644)
    const mtime = statSync(path).mtimeMs
    const dry = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify', '--kubeconfig', path, '--dry-run'], { env: env() })
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(dry.stdout.startsWith(`--- ${path}\n+++ ${path}\n@@ -`)).toBe(true)
    expect(dry.stdout).toContain(`+  name: ${PAYMENTS}`)
    expect(readFileSync(path, 'utf8')).toBe(EXISTING)
    expect(statSync(path).mtimeMs).toBe(mtime)
    expect(modeOf(path)).toBe(0o644)
    expect(readdirSync(dirname(path))).toEqual(['config'])

    // The diff is exactly the change a real run makes.
    const copy = kubeconfigFile(EXISTING)
    const diffFile = join(dirname(copy), 'change.diff')
    writeFileSync(diffFile, dry.stdout)
    const patched = await run('patch', ['-s', '--no-backup-if-mismatch', '-i', diffFile, copy], { env: cleanEnv(), timeoutMs: 10_000 })
    expect(patched.exitCode, patched.stderr).toBe(0)
    const real = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify', '--kubeconfig', path], { env: env() })
    expect(real.exitCode, real.stderr).toBe(0)
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync(path, 'utf8'))
  })

  it('--dry-run against a missing file diffs from /dev/null and creates nothing', async () => {
    const path = kubeconfigFile()
    const dry = await runCli(['kubeconfig', '--cluster', 'ledger', '--region', REGION, '--no-verify', '--kubeconfig', path, '--dry-run'], { env: env() })
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(dry.stdout.startsWith(`--- /dev/null\n+++ ${path}\n@@ -0,0 +1,`)).toBe(true)
    expect(existsSync(path)).toBe(false)
    expect(readdirSync(dirname(path))).toEqual([])
  })

  it('keeps current-context without --set-current and changes it with --set-current', async () => {
    const path = kubeconfigFile(EXISTING)
    const kept = await runCli(['kubeconfig', '--cluster', 'ledger', '--region', REGION, '--no-verify', '--kubeconfig', path], { env: env() })
    expect(kept.exitCode, kept.stderr).toBe(0)
    expect(read(path)['current-context']).toBe('lab')
    const set = await runCli(['kubeconfig', '--cluster', 'ledger', '--region', REGION, '--no-verify', '--kubeconfig', path, '--set-current'], { env: env() })
    expect(set.exitCode, set.stderr).toBe(0)
    expect(read(path)['current-context']).toBe(LEDGER)
    expect(names(read(path).contexts)).toEqual(['lab', 'prod-old', LEDGER])
  })

  it('--token-command eksdoctor writes an exec entry kubectl can run', async () => {
    const e = env()
    const path = kubeconfigFile()
    const result = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify', '--kubeconfig', path, '--token-command', 'eksdoctor', '--role-arn', ROLE], { env: e })
    expect(result.exitCode, result.stderr).toBe(0)
    const exec = named(read(path).users, PAYMENTS)?.user.exec
    expect(exec.apiVersion).toBe('client.authentication.k8s.io/v1beta1')
    expect(exec.args).toEqual(['token', '--cluster', 'payments-prod', '--region', REGION, '--role-arn', ROLE])
    expect(exec.interactiveMode).toBe('Never')
    expect(exec.installHint).toContain('npm install -g eksdoctor')
    // GUI apps (Lens) run `command` without the shell's PATH: it must be an absolute, executable path.
    const command: string = exec.command
    expect(isAbsolute(command), command).toBe(true)
    expect(() => accessSync(command, constants.X_OK)).not.toThrow()

    // Run it as kubectl would (without the role, which would need STS): it prints an ExecCredential.
    const token = await run(command, exec.args.slice(0, 5), { env: { ...e, KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: exec.apiVersion, kind: 'ExecCredential', spec: { interactive: false } }) } })
    expect(token.exitCode, token.stderr).toBe(0)
    const credential = JSON.parse(token.stdout)
    expect(credential).toMatchObject({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential' })
    expect(credential.status.token).toMatch(/^k8s-aws-v1\./)
  })

  it('refuses an unparseable kubeconfig with exit 2 and one line naming it, leaving it byte-identical', async () => {
    const broken = 'apiVersion: v1\nclusters: [\n  - name: half\n'
    const path = kubeconfigFile(broken, 0o644)
    const result = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify', '--kubeconfig', path], { env: env() })
    expect(result.exitCode).toBe(2)
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines, result.stderr).toHaveLength(1)
    expect(lines[0]).toContain(path)
    expect(result.stdout).toBe('')
    expect(readFileSync(path, 'utf8')).toBe(broken)
    expect(modeOf(path)).toBe(0o644)
    expect(readdirSync(dirname(path))).toEqual(['config'])
  })

  it('keeps both clusters when two processes write the same file at once', async () => {
    const path = kubeconfigFile(EXISTING)
    const e = env({ KUBECONFIG: path })
    const [a, b] = await Promise.all([
      runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify'], { env: e }),
      runCli(['kubeconfig', '--cluster', 'search', '--region', REGION, '--no-verify'], { env: e }),
    ])
    expect(a.exitCode, a.stderr).toBe(0)
    expect(b.exitCode, b.stderr).toBe(0)
    const config = read(path)
    expect(names(config.clusters).sort()).toEqual(['lab', PAYMENTS, arnOf('search')].sort())
    expect(names(config.users).sort()).toEqual(['lab-admin', PAYMENTS, arnOf('search')].sort())
    expect(names(config.contexts).sort()).toEqual(['lab', 'prod-old', PAYMENTS, arnOf('search')].sort())
    expect(modeOf(path)).toBe(0o600)
    expect(readdirSync(dirname(path)).sort()).toEqual(['config', 'config.eksdoctor.bak'])
  })

  it('--token-command eksdoctor writes the absolute path of the eksdoctor on PATH', async () => {
    // Before: the bare name `eksdoctor`, which Lens and other GUI apps cannot find.
    const binDir = join(dir, `bin-${++counter}`)
    mkdirSync(binDir)
    symlinkSync(BIN, join(binDir, 'eksdoctor'))
    const path = kubeconfigFile()
    const result = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify', '--kubeconfig', path, '--token-command', 'eksdoctor'], {
      env: env({ PATH: [binDir, process.env.PATH].join(delimiter) }),
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(named(read(path).users, PAYMENTS)?.user.exec.command).toBe(join(binDir, 'eksdoctor'))
  })

  it('writes AWS_PROFILE from the environment into the exec entry, so a later kubectl without it signs as the same identity', async () => {
    const e = env({ AWS_PROFILE: 'platform' })
    writeProfile(e)
    const path = kubeconfigFile()
    const aws = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify', '--kubeconfig', path, '--token-command', 'aws'], { env: e })
    expect(aws.exitCode, aws.stderr).toBe(0)
    // Before: no env at all, since only --profile was written.
    expect(named(read(path).users, PAYMENTS)?.user.exec.env).toEqual([{ name: 'AWS_PROFILE', value: 'platform' }])
    const ours = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify', '--kubeconfig', path, '--token-command', 'eksdoctor', '--user-alias', 'via-eksdoctor'], { env: e })
    expect(ours.exitCode, ours.stderr).toBe(0)
    expect(named(read(path).users, 'via-eksdoctor')?.user.exec.args).toEqual(['token', '--cluster', 'payments-prod', '--region', REGION, '--profile', 'platform'])
  })

  describe('odd files, as a new user meets them', () => {
    const argsFor = (path: string) => ['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify', '--kubeconfig', path]

    /** The run failed with exit 2 and one line on stderr that names `path`; stdout is empty. */
    function expectOneLineRefusal(result: { exitCode: number | null; stdout: string; stderr: string }, path: string): string {
      expect(result.exitCode, result.stderr).toBe(2)
      const lines = result.stderr.trimEnd().split('\n')
      expect(lines, result.stderr).toHaveLength(1)
      expect(lines[0]).toContain(path)
      expect(result.stdout).toBe('')
      return lines[0]!
    }

    it.each([
      ['clusters: [a, b]', 'apiVersion: v1\nkind: Config\nclusters: [a, b]\ncontexts: []\nusers: []\n'],
      ['a string among the users', 'apiVersion: v1\nkind: Config\nusers:\n- name: lab-admin\n  user: {token: t}\n- oops\n'],
    ])('refuses lists whose entries are not mappings (%s), leaving the file as it was', async (_name, text) => {
      // Before: appended to (exit 0), and kubectl could not load the result.
      const path = kubeconfigFile(text, 0o644)
      const line = expectOneLineRefusal(await runCli(argsFor(path), { env: env() }), path)
      expect(line).toContain('is not a mapping')
      expect(readFileSync(path, 'utf8')).toBe(text)
      expect(readdirSync(dirname(path))).toEqual(['config'])
    })

    it.each([': :', ':', ' '])('skips blank KUBECONFIG parts (%j) and writes ~/.kube/config', async (value) => {
      const e = env({ KUBECONFIG: value })
      const cwd = dirname(kubeconfigFile())
      const result = await run(process.execPath, [BIN, 'kubeconfig', '--cluster', 'ledger', '--region', REGION, '--no-verify'], { env: e, cwd })
      expect(result.exitCode, result.stderr).toBe(0)
      const path = join(e.HOME!, '.kube', 'config')
      expect(result.stdout).toMatch(new RegExp(`^Added new context ${LEDGER} to ${path}$`, 'm'))
      // Before: a file named " " in the current directory.
      expect(readdirSync(cwd)).toEqual([])
      expect(names(read(path).clusters)).toEqual([LEDGER])
    })

    it('creates the target of a dangling symlink and keeps the link', async () => {
      const path = kubeconfigFile()
      const target = join(dirname(path), 'dotfiles-kubeconfig')
      symlinkSync(target, path)
      const result = await runCli(argsFor(path), { env: env() })
      expect(result.exitCode, result.stderr).toBe(0)
      // Before: the link was replaced by a regular file.
      expect(lstatSync(path).isSymbolicLink()).toBe(true)
      expect(names(read(target).clusters)).toEqual([PAYMENTS])
      expect(modeOf(target)).toBe(0o600)
    })

    it.each([0o444, 0o400])('refuses a read-only (%o) file with one line, leaving its bytes and mode', async (fileMode) => {
      const path = kubeconfigFile(EXISTING, fileMode)
      const line = expectOneLineRefusal(await runCli(argsFor(path), { env: env() }), path)
      expect(line).toContain('read-only')
      // Before: renamed over, and chmod-ed to 0600.
      expect(readFileSync(path, 'utf8')).toBe(EXISTING)
      expect(modeOf(path)).toBe(fileMode)
      expect(readdirSync(dirname(path))).toEqual(['config'])
    })

    it('refuses a path that is a directory with one line naming it, exit 2', async () => {
      const path = kubeconfigFile()
      mkdirSync(path)
      // Before: exit 1 with a raw EISDIR.
      const line = expectOneLineRefusal(await runCli(argsFor(path), { env: env() }), path)
      expect(line).toContain('is a directory')
      expect(readdirSync(path)).toEqual([])
    })

    it('keeps the hard links of a linked kubeconfig', async () => {
      const path = kubeconfigFile(EXISTING, 0o600)
      const other = join(dirname(path), 'config-link')
      linkSync(path, other)
      const result = await runCli(argsFor(path), { env: env() })
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.stdout).toContain('(written in place to keep its 2 hard links)')
      expect(statSync(path).nlink).toBe(2)
      expect(readFileSync(other, 'utf8')).toBe(readFileSync(path, 'utf8'))
    })

    it('writes a writable file in a read-only directory in place, as kubectl does, and says so', async () => {
      // Root ignores directory permissions: run the CLI as nobody then, in a tree nobody owns.
      const asRoot = process.getuid?.() === 0
      const user = asRoot ? { uid: 65534, gid: 65534 } : {}
      const tree = mkdtempSync(join(tmpdir(), 'eksdoctor-rodir-'))
      try {
        chmodSync(tree, 0o755)
        const kdir = join(tree, 'kube')
        mkdirSync(kdir)
        const path = join(kdir, 'config')
        writeFileSync(path, EXISTING, { mode: 0o600 })
        const e = env()
        if (asRoot) for (const p of [kdir, path, e.HOME!]) chownSync(p, 65534, 65534)
        chmodSync(kdir, 0o555)
        const result = await run(process.execPath, [BIN, ...argsFor(path)], { env: e, ...user })
        // Before: exit 1 with EACCES on the lock file.
        expect(result.exitCode, result.stderr).toBe(0)
        expect(result.stdout).toBe(`Added new context ${PAYMENTS} to ${path} (written in place without a lock or a backup: ${kdir} is not writable)\n`)
        expect(names(read(path).clusters)).toEqual(['lab', PAYMENTS])
        expect(readFileSync(path, 'utf8')).toContain('# team kubeconfig, do not lose this comment')
        expect(readdirSync(kdir)).toEqual(['config'])
        expect(modeOf(path)).toBe(0o600)
      } finally {
        chmodSync(join(tree, 'kube'), 0o755)
        rmSync(tree, { recursive: true, force: true })
      }
    })
  })

  it('exits 11 with "did you mean" for a cluster typo, writing nothing', async () => {
    const e = env()
    const result = await runCli(['kubeconfig', '--cluster', 'payments-prd', '--region', REGION, '--no-verify'], { env: e })
    expect(result.exitCode).toBe(11)
    expect(result.stderr).toContain('did you mean payments-prod')
    expect(existsSync(join(e.HOME!, '.kube'))).toBe(false)
  })

  it('exits 10 without AWS credentials, writing nothing', async () => {
    const e = cleanEnv({ AWS_ENDPOINT_URL_EKS: eks.url })
    const result = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify'], { env: e })
    expect(result.exitCode).toBe(10)
    expect(result.stderr.trim()).not.toBe('')
    expect(existsSync(join(e.HOME!, '.kube'))).toBe(false)
  })
})

describe('eksdoctor kubeconfig next to aws eks update-kubeconfig', () => {
  const cases: { name: string; cluster: string; flags: string[]; profile?: boolean; envProfile?: boolean }[] = [
    { name: 'defaults', cluster: 'payments-prod', flags: [] },
    { name: '--alias and --user-alias', cluster: 'ledger', flags: ['--alias', 'stage-eks-cluster', '--user-alias', 'john'] },
    { name: '--user-alias alone', cluster: 'ledger', flags: ['--user-alias', 'john'] },
    { name: '--role-arn and --profile', cluster: 'search', flags: ['--role-arn', ROLE, '--profile', 'platform'], profile: true },
    { name: 'AWS_PROFILE from the environment', cluster: 'ledger', flags: [], profile: true, envProfile: true },
  ]

  it.each(cases)('writes the same entries as aws eks update-kubeconfig --dry-run ($name)', async ({ cluster, flags, profile, envProfile }) => {
    const e = env(envProfile ? { AWS_PROFILE: 'platform' } : {})
    // With a profile, both tools take the profile's keys, not the environment's.
    if (profile) writeProfile(e)
    const seen = eks.requests.length
    const aws = await run('aws', ['eks', 'update-kubeconfig', '--name', cluster, '--region', REGION, '--dry-run', ...flags], { env: e })
    expect(aws.exitCode, aws.stderr).toBe(0)
    const awsConfig: Kubeconfig = parse(aws.stdout)
    // aws CLI v1 (botocore) honours AWS_ENDPOINT_URL_EKS: its DescribeCluster reached the fake EKS.
    expect(eks.requests.slice(seen)).toContainEqual(expect.objectContaining({ method: 'GET', path: `/clusters/${cluster}` }))

    const path = kubeconfigFile()
    const ours = await runCli(['kubeconfig', '--cluster', cluster, '--region', REGION, '--no-verify', '--kubeconfig', path, '--token-command', 'aws', ...flags], { env: e })
    expect(ours.exitCode, ours.stderr).toBe(0)
    const ourConfig = read(path)

    const contextName = awsConfig['current-context']
    expect(typeof contextName).toBe('string')
    const theirs = entriesOf(awsConfig, arnOf(cluster), contextName)
    expect(theirs.cluster.server).toBe(eks.clusters.get(cluster)?.endpoint)
    expect(entriesOf(ourConfig, arnOf(cluster), contextName)).toEqual(theirs)
    expect(names(ourConfig.clusters)).toEqual(names(awsConfig.clusters))
    expect(names(ourConfig.users)).toEqual(names(awsConfig.users))
    expect(names(ourConfig.contexts)).toEqual(names(awsConfig.contexts))
    expect(ourConfig['current-context']).toBe(awsConfig['current-context'])
  })

  it('prints the same first line as aws eks update-kubeconfig for a new context', async () => {
    const e = env()
    const awsPath = kubeconfigFile(EXISTING)
    const ourPath = kubeconfigFile(EXISTING)
    const aws = await run('aws', ['eks', 'update-kubeconfig', '--name', 'ledger', '--region', REGION, '--kubeconfig', awsPath], { env: e })
    expect(aws.exitCode, aws.stderr).toBe(0)
    const ours = await runCli(['kubeconfig', '--cluster', 'ledger', '--region', REGION, '--no-verify', '--kubeconfig', ourPath], { env: e })
    expect(ours.exitCode, ours.stderr).toBe(0)
    const strip = (line: string, path: string) => line.split(path)[0]
    const awsLine = aws.stdout.split('\n')[0]!
    const ourLine = ours.stdout.split('\n')[0]!
    expect(strip(ourLine, ourPath)).toBe(strip(awsLine, awsPath))
    expect(ourLine.startsWith(`Added new context ${LEDGER} to ${ourPath}`)).toBe(true)
    expect(modeOf(awsPath)).toBe(0o600)
    expect(modeOf(ourPath)).toBe(0o600)
  })

  it('finds a kubeconfig written by aws eks update-kubeconfig already up to date', async () => {
    const e = env()
    const path = kubeconfigFile()
    const aws = await run('aws', ['eks', 'update-kubeconfig', '--name', 'payments-prod', '--region', REGION, '--kubeconfig', path], { env: e })
    expect(aws.exitCode, aws.stderr).toBe(0)
    const written = readFileSync(path, 'utf8')
    const ours = await runCli(['kubeconfig', '--cluster', 'payments-prod', '--region', REGION, '--no-verify', '--kubeconfig', path, '--token-command', 'aws'], { env: e })
    expect(ours.exitCode, ours.stderr).toBe(0)
    expect(ours.stdout).toContain('is already up to date')
    expect(readFileSync(path, 'utf8')).toBe(written)
  })
})
