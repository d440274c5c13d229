/**
 * The kubeconfig writer: the entries `aws eks update-kubeconfig` writes (formats.md §6), the file it
 * picks, a merge that disturbs nothing else, and the locked, atomic, backed-up write on real files.
 * unifiedDiff is checked against the real `patch`, the way a user would apply a --dry-run.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse, parseDocument, stringify } from 'yaml'
import { CliError } from '../../../src/errors.js'
import { unifiedDiff } from '../../../src/kube/diff.js'
import { buildEntry, chooseKubeconfigFile, EKSDOCTOR_INSTALL_HINT, mergeEntry, updateKubeconfigFile, type EntryInput, type KubeconfigEntry, type WriterIo } from '../../../src/kube/kubeconfig-writer.js'
import { kubeconfigPaths } from '../../../src/kube/kubeconfig.js'

const ARN = 'arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod'
const ROLE = 'arn:aws:iam::111122223333:role/eks-admin'
const SERVER = 'https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com'
const CA_DATA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBfakeCA\n-----END CERTIFICATE-----\n').toString('base64')
const V1BETA1 = 'client.authentication.k8s.io/v1beta1'

function input(over: Partial<EntryInput> = {}): EntryInput {
  return {
    arn: ARN,
    name: 'payments-prod',
    endpoint: SERVER,
    caData: CA_DATA,
    region: 'eu-west-1',
    tokenCommand: 'aws',
    eksdoctorCommand: '/opt/eksdoctor/bin/run.js',
    ...over,
  }
}

/** An entry for cluster `name` (its own ARN, server and CA), as the command would build it. */
function entryFor(name: string, over: Partial<EntryInput> = {}): KubeconfigEntry {
  return buildEntry(input({ name, arn: `arn:aws:eks:eu-west-1:111122223333:cluster/${name}`, endpoint: `https://${name}.example.eks.amazonaws.com`, ...over }))
}

/** A hand-kept kubeconfig: comments, unknown fields, other clusters, users and contexts. */
const EXISTING = `# my kubeconfig: hand edited, keep these notes
apiVersion: v1
kind: Config
preferences:
  colors: true
  extensions:
  - name: my-ext
    extension:
      foo: bar
clusters:
# the lab cluster, through the jump host
- cluster:
    server: https://10.0.0.1:6443
    proxy-url: socks5://localhost:1080
    certificate-authority-data: TEFCLUNB
    extensions:
    - name: client.authentication.k8s.io/exec
      extension:
        audience: lab
  name: lab
- cluster:
    server: https://kind.local:6443 # kind
    insecure-skip-tls-verify: true
  name: kind-kind
contexts:
- context:
    cluster: lab
    user: lab-admin
    namespace: team-a
  name: lab
- context:
    cluster: kind-kind
    user: kind-kind
  name: kind-kind
current-context: lab
users:
- name: lab-admin
  user:
    token: not-a-real-token
- name: kind-kind
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
extensions:
- name: top-level-ext
  extension:
    keep: me
`

interface Named {
  name: string
  [key: string]: unknown
}

function parsed(text: string): { clusters: Named[]; users: Named[]; contexts: Named[]; [key: string]: unknown } {
  return parse(text)
}

function names(list: Named[] | undefined): string[] {
  return (list ?? []).map((item) => item.name)
}

async function invalidError(text: string | undefined, file = '/home/u/.kube/config'): Promise<CliError> {
  const error = await mergeEntry(text, file, buildEntry(input()), { setCurrent: false }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, `mergeEntry accepted:\n${text}`).toBeInstanceOf(CliError)
  return error as CliError
}

describe('buildEntry', () => {
  it('names the cluster, user and context by the ARN and writes aws eks get-token, as the aws CLI does', () => {
    expect(buildEntry(input())).toStrictEqual({
      clusterName: ARN,
      server: SERVER,
      caData: CA_DATA,
      userName: ARN,
      contextName: ARN,
      exec: {
        apiVersion: V1BETA1,
        command: 'aws',
        args: ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'payments-prod', '--output', 'json'],
      },
    })
  })

  it('appends --role for a role and sets AWS_PROFILE only when there is a profile', () => {
    const withBoth = buildEntry(input({ profile: 'platform', roleArn: ROLE }))
    expect(withBoth.exec).toStrictEqual({
      apiVersion: V1BETA1,
      command: 'aws',
      args: ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'payments-prod', '--output', 'json', '--role', ROLE],
      env: [{ name: 'AWS_PROFILE', value: 'platform' }],
    })
    const roleOnly = buildEntry(input({ roleArn: ROLE }))
    expect(roleOnly.exec.args.slice(-2)).toEqual(['--role', ROLE])
    expect('env' in roleOnly.exec).toBe(false)
    const profileOnly = buildEntry(input({ profile: 'platform' }))
    expect(profileOnly.exec.args).not.toContain('--role')
    expect(profileOnly.exec.env).toEqual([{ name: 'AWS_PROFILE', value: 'platform' }])
  })

  it('names the user by --user-alias and the context by --alias, else by the user name', () => {
    expect(buildEntry(input({ userAlias: 'john' }))).toMatchObject({ clusterName: ARN, userName: 'john', contextName: 'john' })
    expect(buildEntry(input({ alias: 'prod' }))).toMatchObject({ clusterName: ARN, userName: ARN, contextName: 'prod' })
    expect(buildEntry(input({ alias: 'stage-eks-cluster', userAlias: 'john' }))).toMatchObject({ clusterName: ARN, userName: 'john', contextName: 'stage-eks-cluster' })
  })

  it('matches the AWS CLI documentation example (--alias, --user-alias, --role-arn)', async () => {
    const arn = 'arn:aws:eks:us-east-2:111122223333:cluster/my-eks-cluster'
    const role = 'arn:aws:iam::111122223333:role/eksctl-EKS-Linux-Cluster-v1-24-cluster-ServiceRole-j1k7AfTIQtnM'
    const entry = buildEntry(
      input({ arn, name: 'my-eks-cluster', region: 'us-east-2', endpoint: 'https://DALSJ343KE23J3RN45653DSKJTT647TYD.yl4.us-east-2.eks.amazonaws.com', caData: 'xxx_CA_DATA_xxx', alias: 'stage-eks-cluster', userAlias: 'john', roleArn: role }),
    )
    const doc = parsed(await mergeEntry(undefined, '/tmp/config', entry, { setCurrent: false }))
    expect(doc.clusters).toEqual([{ cluster: { 'certificate-authority-data': 'xxx_CA_DATA_xxx', server: 'https://DALSJ343KE23J3RN45653DSKJTT647TYD.yl4.us-east-2.eks.amazonaws.com' }, name: arn }])
    expect(doc.contexts).toEqual([{ context: { cluster: arn, user: 'john' }, name: 'stage-eks-cluster' }])
    expect(doc.users).toEqual([
      {
        name: 'john',
        user: {
          exec: {
            apiVersion: V1BETA1,
            args: ['--region', 'us-east-2', 'eks', 'get-token', '--cluster-name', 'my-eks-cluster', '--output', 'json', '--role', role],
            command: 'aws',
          },
        },
      },
    ])
  })

  it('writes no interactiveMode and no provideClusterInfo', () => {
    const exec = buildEntry(input({ profile: 'p', roleArn: ROLE })).exec as Record<string, unknown>
    expect(Object.keys(exec).sort()).toEqual(['apiVersion', 'args', 'command', 'env'])
  })

  it('runs eksdoctor token for --token-command eksdoctor, with --profile and --role-arn as flags, never interactive', () => {
    expect(buildEntry(input({ tokenCommand: 'eksdoctor' })).exec).toStrictEqual({
      apiVersion: V1BETA1,
      command: '/opt/eksdoctor/bin/run.js',
      args: ['token', '--cluster', 'payments-prod', '--region', 'eu-west-1'],
      interactiveMode: 'Never',
      installHint: EKSDOCTOR_INSTALL_HINT,
    })
    expect(buildEntry(input({ tokenCommand: 'eksdoctor', eksdoctorCommand: '/usr/local/bin/eksdoctor', profile: 'platform', roleArn: ROLE })).exec).toStrictEqual({
      apiVersion: V1BETA1,
      command: '/usr/local/bin/eksdoctor',
      args: ['token', '--cluster', 'payments-prod', '--region', 'eu-west-1', '--profile', 'platform', '--role-arn', ROLE],
      interactiveMode: 'Never',
      installHint: EKSDOCTOR_INSTALL_HINT,
    })
  })

  it('gives kubectl a one-sentence install hint that names how to install eksdoctor', () => {
    expect(EKSDOCTOR_INSTALL_HINT).toContain('npm install -g eksdoctor')
    expect(EKSDOCTOR_INSTALL_HINT.split(/[.!?](\s|$)/).filter((part) => part?.trim()).length).toBe(1)
    expect(EKSDOCTOR_INSTALL_HINT).not.toContain('\n')
  })
})

describe('chooseKubeconfigFile', () => {
  const home = '/home/u'
  const files: Record<string, string> = {
    '/k/a': 'apiVersion: v1\nclusters:\n- name: lab\n  cluster: {server: "https://10.0.0.1"}\n',
    '/k/b': `apiVersion: v1\nclusters:\n- name: ${ARN}\n  cluster: {server: "${SERVER}"}\n`,
    '/k/c': `apiVersion: v1\nclusters:\n- name: ${ARN}\n  cluster: {server: "${SERVER}"}\n`,
    '/k/prefix': `apiVersion: v1\nclusters:\n- name: ${ARN}-canary\n  cluster: {server: "https://canary"}\n`,
  }
  const readText = async (path: string) => files[path]
  const choose = (vars: Record<string, string | undefined>, explicit?: string) => chooseKubeconfigFile({ explicit, vars, homedir: home, clusterArn: ARN, readText })

  it('takes --kubeconfig over everything, resolved to an absolute path', async () => {
    expect(await choose({ KUBECONFIG: ['/k/b', '/k/a'].join(delimiter) }, '/k/explicit')).toBe('/k/explicit')
    expect(await choose({}, 'rel/config')).toBe(resolve('rel/config'))
  })

  it('takes the KUBECONFIG path that already holds the cluster ARN, the first of them', async () => {
    expect(await choose({ KUBECONFIG: ['/k/a', '/k/b', '/k/c'].join(delimiter) })).toBe('/k/b')
    expect(await choose({ KUBECONFIG: ['/k/missing', '/k/c'].join(delimiter) })).toBe('/k/c')
  })

  it('does not take a file whose cluster ARN only starts with this ARN', async () => {
    // aws CLI: has_cluster(name) compares names; payments-prod-canary is another cluster.
    expect(await choose({ KUBECONFIG: ['/k/a', '/k/prefix', '/k/c'].join(delimiter) })).toBe('/k/c')
  })

  it('else takes the first KUBECONFIG path, skipping empty segments', async () => {
    expect(await choose({ KUBECONFIG: ['/k/a', '/k/missing'].join(delimiter) })).toBe('/k/a')
    expect(await choose({ KUBECONFIG: ['', '/k/missing', '/k/a'].join(delimiter) })).toBe('/k/missing')
  })

  it('else takes ~/.kube/config', async () => {
    expect(await choose({})).toBe(join(home, '.kube', 'config'))
    expect(await choose({ KUBECONFIG: '' })).toBe(join(home, '.kube', 'config'))
  })

  it.each([': :', ':', ' ', `${delimiter}${delimiter}`, `  ${delimiter}\t`])('skips blank KUBECONFIG parts (%j) as kubectl does, and falls back to ~/.kube/config', async (value) => {
    // Before: the part " " was resolved to a file named " " in the current directory.
    expect(await choose({ KUBECONFIG: value })).toBe(join(home, '.kube', 'config'))
  })

  it('trims KUBECONFIG parts and drops the blank ones, leading or trailing', async () => {
    expect(await choose({ KUBECONFIG: [' ', '/k/missing ', ' /k/b', ''].join(delimiter) })).toBe('/k/b')
    expect(await choose({ KUBECONFIG: [' ', ' /k/missing', ''].join(delimiter) })).toBe('/k/missing')
  })
})

describe('kubeconfigPaths', () => {
  const home = '/home/u'
  it.each([
    [': :', ['/home/u/.kube/config']],
    [':/k/a: ', ['/k/a']],
    [' /k/a : /k/b :/k/a', ['/k/a', '/k/b']],
  ])('reads KUBECONFIG=%j as %j', (value, paths) => {
    expect(kubeconfigPaths({ vars: { KUBECONFIG: value.replaceAll(':', delimiter) }, homedir: home })).toEqual({ paths, explicit: false })
  })
})

describe('mergeEntry', () => {
  const entry = buildEntry(input({ profile: 'platform' }))

  it('adds the three entries and keeps every other entry, unknown field and comment', async () => {
    const out = await mergeEntry(EXISTING, '/k/config', entry, { setCurrent: false })
    const before = parsed(EXISTING)
    const after = parsed(out)
    expect(names(after.clusters)).toEqual(['lab', 'kind-kind', ARN])
    expect(names(after.users)).toEqual(['lab-admin', 'kind-kind', ARN])
    expect(names(after.contexts)).toEqual(['lab', 'kind-kind', ARN])
    expect(after.clusters.slice(0, 2)).toEqual(before.clusters)
    expect(after.users.slice(0, 2)).toEqual(before.users)
    expect(after.contexts.slice(0, 2)).toEqual(before.contexts)
    expect(after.preferences).toEqual(before.preferences)
    expect(after.extensions).toEqual([{ name: 'top-level-ext', extension: { keep: 'me' } }])
    expect(after['current-context']).toBe('lab')
    expect(after.clusters[2]).toEqual({ cluster: { server: SERVER, 'certificate-authority-data': CA_DATA }, name: ARN })
    expect(after.users[2]).toEqual({ user: { exec: entry.exec }, name: ARN })
    expect(after.contexts[2]).toEqual({ context: { cluster: ARN, user: ARN }, name: ARN })
    for (const comment of ['# my kubeconfig: hand edited, keep these notes', '# the lab cluster, through the jump host', '# kind']) expect(out).toContain(comment)
    expect(parseDocument(out).errors).toEqual([])
  })

  it('sets current-context only with setCurrent, or when the file had none', async () => {
    expect(parsed(await mergeEntry(EXISTING, '/k/config', entry, { setCurrent: true }))['current-context']).toBe(ARN)
    const noCurrent = EXISTING.replace('current-context: lab\n', '')
    expect(parsed(await mergeEntry(noCurrent, '/k/config', entry, { setCurrent: false }))['current-context']).toBe(ARN)
    const emptyCurrent = EXISTING.replace('current-context: lab', 'current-context: ""')
    expect(parsed(await mergeEntry(emptyCurrent, '/k/config', entry, { setCurrent: false }))['current-context']).toBe(ARN)
  })

  it('replaces a same-named entry in place, without a duplicate', async () => {
    const stale = `apiVersion: v1
kind: Config
clusters:
- name: ${ARN}
  cluster:
    server: https://old.example.com
    certificate-authority-data: T0xE
- name: lab
  cluster:
    server: https://10.0.0.1:6443
users:
- name: ${ARN}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1alpha1
      command: aws-iam-authenticator
      args: [token, -i, payments-prod]
      env:
      - name: AWS_PROFILE
        value: old
- name: lab-admin
  user:
    token: t
contexts:
- name: ${ARN}
  context:
    cluster: ${ARN}
    user: ${ARN}
- name: lab
  context:
    cluster: lab
    user: lab-admin
current-context: lab
`
    const fresh = buildEntry(input())
    const after = parsed(await mergeEntry(stale, '/k/config', fresh, { setCurrent: false }))
    expect(names(after.clusters)).toEqual([ARN, 'lab'])
    expect(names(after.users)).toEqual([ARN, 'lab-admin'])
    expect(names(after.contexts)).toEqual([ARN, 'lab'])
    expect(after.clusters[0]).toEqual({ name: ARN, cluster: { server: SERVER, 'certificate-authority-data': CA_DATA } })
    // The exec block is the new one as a whole: no v1alpha1, no leftover AWS_PROFILE.
    expect(after.users[0]).toEqual({ name: ARN, user: { exec: fresh.exec } })
    expect(after.contexts[0]).toEqual({ name: ARN, context: { cluster: ARN, user: ARN } })
    expect(after.users[1]).toEqual({ name: 'lab-admin', user: { token: 't' } })
    expect(after['current-context']).toBe('lab')
  })

  it('keeps an unknown field of the entry it updates (proxy-url)', async () => {
    const withProxy = `apiVersion: v1
kind: Config
clusters:
- name: ${ARN}
  cluster:
    server: https://old.example.com
    proxy-url: http://proxy.corp:3128
users: []
contexts: []
`
    const after = parsed(await mergeEntry(withProxy, '/k/config', entry, { setCurrent: false }))
    expect(after.clusters).toEqual([{ name: ARN, cluster: { server: SERVER, 'proxy-url': 'http://proxy.corp:3128', 'certificate-authority-data': CA_DATA } }])
  })

  it('is idempotent: merging the same entry again gives the same bytes', async () => {
    for (const start of [EXISTING, undefined, '', EXISTING.replace('current-context: lab\n', '')]) {
      for (const setCurrent of [false, true]) {
        const once = await mergeEntry(start, '/k/config', entry, { setCurrent })
        const twice = await mergeEntry(once, '/k/config', entry, { setCurrent })
        expect(twice).toBe(once)
      }
    }
  })

  it('gives a missing, empty or blank file a full skeleton', async () => {
    for (const start of [undefined, '', '\n  \n']) {
      const after = parsed(await mergeEntry(start, '/k/config', entry, { setCurrent: false }))
      expect(after).toEqual({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ cluster: { server: SERVER, 'certificate-authority-data': CA_DATA }, name: ARN }],
        contexts: [{ context: { cluster: ARN, user: ARN }, name: ARN }],
        users: [{ user: { exec: entry.exec }, name: ARN }],
        preferences: {},
        'current-context': ARN,
      })
    }
  })

  it('writes a new file in block style, one field per line, as the aws CLI and kubectl do', async () => {
    const out = await mergeEntry(undefined, '/k/config', entry, { setCurrent: false })
    expect(out).toMatch(/^clusters:\n- cluster:\n/m)
    expect(out).toMatch(/^users:\n- user:\n/m)
    expect(out).toMatch(/^contexts:\n- context:\n/m)
    expect(out).toMatch(/^ {4}server: /m)
    // No line carries a whole list entry.
    expect(out.split('\n').every((line) => line.length < 200)).toBe(true)
  })

  it.each([
    ['an unclosed flow list', 'apiVersion: v1\nclusters: [\n'],
    ['a bad indent', 'apiVersion: v1\nclusters:\n- name: a\n   cluster: {}\n  x: y\n'],
    ['a duplicate key', 'apiVersion: v1\nclusters: []\nclusters: []\n'],
    ['two documents', 'apiVersion: v1\n---\napiVersion: v1\n'],
    ['a top-level list', '- apiVersion: v1\n- kind: Config\n'],
    ['a top-level scalar', 'just some text\n'],
    ['clusters as a map', 'apiVersion: v1\nkind: Config\nclusters: {}\n'],
    ['users as a string', 'apiVersion: v1\nkind: Config\nusers: nobody\n'],
    ['contexts as a map', 'apiVersion: v1\nkind: Config\ncontexts:\n  a: b\n'],
    ['clusters whose entries are strings', 'apiVersion: v1\nkind: Config\nclusters: [a, b]\n'],
    ['users whose entry is a list', 'apiVersion: v1\nkind: Config\nusers:\n- [a, b]\n'],
    ['contexts with one string among mappings', 'apiVersion: v1\nkind: Config\ncontexts:\n- name: a\n  context: {cluster: a, user: a}\n- b\n'],
    ['a cluster entry that is a number', 'apiVersion: v1\nkind: Config\nclusters:\n- 42\n'],
  ])('refuses %s with KUBECONFIG_INVALID, exit 2, naming the file', async (_name, text) => {
    const error = await invalidError(text, '/home/u/.kube/odd-config')
    expect(error.code).toBe('KUBECONFIG_INVALID')
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain('/home/u/.kube/odd-config')
    expect(error.message).not.toContain('\n')
  })
})

describe('updateKubeconfigFile', () => {
  let dir: string
  let path: string
  const entry = buildEntry(input())
  const merge = (e: KubeconfigEntry, setCurrent = false) => (before: string | undefined) => mergeEntry(before, path, e, { setCurrent })
  const listing = () => readdirSync(dir).sort()
  const mode = (p: string) => statSync(p).mode & 0o777

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'eksdoctor-kcw-'))
    path = join(dir, 'config')
  })

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it.each([0o644, 0o640, 0o600])('keeps the mode of an existing file (%o), as kubectl and the aws CLI do, and the old bytes in a 0600 .eksdoctor.bak', async (fileMode) => {
    writeFileSync(path, EXISTING)
    chmodSync(path, fileMode)
    const result = await updateKubeconfigFile(path, merge(entry))
    expect(result).toMatchObject({ path, before: EXISTING, changed: true, backup: `${path}.eksdoctor.bak` })
    expect(result.note).toBeUndefined()
    // Before: every file came out 0600, whatever mode its owner had given it.
    expect(mode(path)).toBe(fileMode)
    expect(readFileSync(path, 'utf8')).toBe(result.after)
    expect(names(parsed(result.after).clusters)).toEqual(['lab', 'kind-kind', ARN])
    expect(readFileSync(`${path}.eksdoctor.bak`, 'utf8')).toBe(EXISTING)
    expect(mode(`${path}.eksdoctor.bak`)).toBe(0o600)
    expect(listing()).toEqual(['config', 'config.eksdoctor.bak'])
  })

  it('tightens an old 0644 backup to 0600 when it replaces it', async () => {
    writeFileSync(path, EXISTING)
    writeFileSync(`${path}.eksdoctor.bak`, 'older backup\n')
    chmodSync(`${path}.eksdoctor.bak`, 0o644)
    await updateKubeconfigFile(path, merge(entry))
    expect(readFileSync(`${path}.eksdoctor.bak`, 'utf8')).toBe(EXISTING)
    expect(mode(`${path}.eksdoctor.bak`)).toBe(0o600)
  })

  it('creates a missing file and its directory, 0600, with no backup', async () => {
    const nested = join(dir, 'home', '.kube', 'config')
    const result = await updateKubeconfigFile(nested, (before) => mergeEntry(before, nested, entry, { setCurrent: false }))
    expect(result).toMatchObject({ before: undefined, changed: true })
    expect(result.backup).toBeUndefined()
    expect(mode(nested)).toBe(0o600)
    expect(readdirSync(join(dir, 'home', '.kube'))).toEqual(['config'])
    expect(parsed(readFileSync(nested, 'utf8'))['current-context']).toBe(ARN)
  })

  it('leaves an unparseable file byte-identical, with no backup, temp or lock file', async () => {
    const broken = 'apiVersion: v1\nclusters: [\n  - name: half written\n'
    writeFileSync(path, broken)
    chmodSync(path, 0o644)
    const error = await updateKubeconfigFile(path, merge(entry)).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(CliError)
    expect((error as CliError).code).toBe('KUBECONFIG_INVALID')
    expect((error as CliError).exitCode).toBe(2)
    expect(readFileSync(path, 'utf8')).toBe(broken)
    expect(mode(path)).toBe(0o644)
    expect(listing()).toEqual(['config'])
  })

  it('writes nothing when the merge changes nothing: same mtime, no backup', async () => {
    const once = await mergeEntry(EXISTING, path, entry, { setCurrent: false })
    writeFileSync(path, once, { mode: 0o600 })
    const past = new Date(Date.now() - 3_600_000)
    utimesSync(path, past, past)
    const mtimeBefore = statSync(path).mtimeMs
    const result = await updateKubeconfigFile(path, merge(entry))
    expect(result.changed).toBe(false)
    expect(result.backup).toBeUndefined()
    expect(statSync(path).mtimeMs).toBe(mtimeBefore)
    expect(readFileSync(path, 'utf8')).toBe(once)
    expect(listing()).toEqual(['config'])
  })

  it('leaves no temp or lock file when the final rename fails', async () => {
    writeFileSync(path, EXISTING)
    // The file turns into a directory while the change is computed: the rename onto it fails.
    const error = await updateKubeconfigFile(path, async (before) => {
      const after = await mergeEntry(before, path, entry, { setCurrent: false })
      unlinkSync(path)
      mkdirSync(path)
      writeFileSync(join(path, 'keep'), 'x')
      return after
    }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(Error)
    expect(listing().filter((name) => name.endsWith('.tmp') || name.endsWith('.lock'))).toEqual([])
  })

  it('takes over a stale lock (older than 30 s) and removes it afterwards', async () => {
    writeFileSync(path, EXISTING)
    writeFileSync(`${path}.lock`, '999999')
    const old = new Date(Date.now() - 60_000)
    utimesSync(`${path}.lock`, old, old)
    const started = Date.now()
    const result = await updateKubeconfigFile(path, merge(entry))
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(result.changed).toBe(true)
    expect(names(parsed(readFileSync(path, 'utf8')).clusters)).toContain(ARN)
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it('waits for a fresh lock and writes once it is released', async () => {
    writeFileSync(path, EXISTING)
    writeFileSync(`${path}.lock`, String(process.pid))
    let settled = false
    const pending = updateKubeconfigFile(path, merge(entry)).finally(() => (settled = true))
    await new Promise((r) => setTimeout(r, 400))
    expect(settled).toBe(false)
    expect(readFileSync(path, 'utf8')).toBe(EXISTING)
    unlinkSync(`${path}.lock`)
    const result = await pending
    expect(result.changed).toBe(true)
    expect(names(parsed(readFileSync(path, 'utf8')).clusters)).toContain(ARN)
    expect(existsSync(`${path}.lock`)).toBe(false)
  }, 15_000)

  it('loses no entry when 8 writers run at once, and keeps the file mode', async () => {
    writeFileSync(path, EXISTING)
    chmodSync(path, 0o640)
    const clusters = Array.from({ length: 8 }, (_, i) => `team-${i}`)
    const results = await Promise.all(clusters.map((name) => updateKubeconfigFile(path, merge(entryFor(name)))))
    expect(results.every((r) => r.changed)).toBe(true)
    const text = readFileSync(path, 'utf8')
    expect(parseDocument(text).errors).toEqual([])
    const after = parsed(text)
    const arns = clusters.map((name) => `arn:aws:eks:eu-west-1:111122223333:cluster/${name}`)
    expect(names(after.clusters).sort()).toEqual(['kind-kind', 'lab', ...arns].sort())
    expect(names(after.users).sort()).toEqual(['kind-kind', 'lab-admin', ...arns].sort())
    expect(names(after.contexts).sort()).toEqual(['kind-kind', 'lab', ...arns].sort())
    expect(after['current-context']).toBe('lab')
    expect(mode(path)).toBe(0o640)
    expect(listing()).toEqual(['config', 'config.eksdoctor.bak'])
  })

  it('loses no entry when 8 writers find a stale lock at once', async () => {
    writeFileSync(path, EXISTING)
    writeFileSync(`${path}.lock`, '999999')
    const old = new Date(Date.now() - 60_000)
    utimesSync(`${path}.lock`, old, old)
    const clusters = Array.from({ length: 8 }, (_, i) => `stale-${i}`)
    await Promise.all(clusters.map((name) => updateKubeconfigFile(path, merge(entryFor(name)))))
    const after = parsed(readFileSync(path, 'utf8'))
    for (const name of clusters) expect(names(after.clusters)).toContain(`arn:aws:eks:eu-west-1:111122223333:cluster/${name}`)
    expect(listing()).toEqual(['config', 'config.eksdoctor.bak'])
  })

  it('creates the target of a dangling symlink and keeps the link', async () => {
    // A dotfiles manager links ~/.kube/config before the file it points at exists.
    const target = join(dir, 'dotfiles', 'kubeconfig')
    mkdirSync(join(dir, 'dotfiles'))
    symlinkSync(target, path)
    const result = await updateKubeconfigFile(path, merge(entry))
    expect(result).toMatchObject({ path: target, before: undefined, changed: true })
    // Before: the link was replaced by a regular file and the target never written.
    expect(lstatSync(path).isSymbolicLink()).toBe(true)
    expect(names(parsed(readFileSync(target, 'utf8')).clusters)).toEqual([ARN])
    expect(mode(target)).toBe(0o600)
    expect(listing()).toEqual(['config', 'dotfiles'])
  })

  it('follows a relative dangling symlink from the directory of the link', async () => {
    symlinkSync('real-config', path)
    await updateKubeconfigFile(path, merge(entry))
    expect(lstatSync(path).isSymbolicLink()).toBe(true)
    expect(names(parsed(readFileSync(join(dir, 'real-config'), 'utf8')).clusters)).toEqual([ARN])
  })

  it('writes in place when rename cannot replace the file (EBUSY: a bind-mounted file), leaving no temp file', async () => {
    writeFileSync(path, EXISTING)
    chmodSync(path, 0o644)
    const inode = statSync(path).ino
    const renames: string[] = []
    // What rename(2) does onto a file bind-mounted into a container (`-v ~/.kube/config:...`).
    const io: WriterIo = {
      async rename(_from, to) {
        renames.push(to)
        throw Object.assign(new Error(`EBUSY: resource busy or locked, rename -> '${to}'`), { code: 'EBUSY', errno: -16, syscall: 'rename' })
      },
    }
    const result = await updateKubeconfigFile(path, merge(entry), io)
    // Before: the EBUSY came out raw (exit 1) and the backup stayed behind.
    expect(renames).toEqual([path])
    expect(result).toMatchObject({ changed: true, backup: `${path}.eksdoctor.bak` })
    expect(result.note).toMatch(/^written in place: rename cannot replace it \(EBUSY/)
    expect(readFileSync(path, 'utf8')).toBe(result.after)
    expect(statSync(path).ino).toBe(inode)
    expect(mode(path)).toBe(0o644)
    expect(listing()).toEqual(['config', 'config.eksdoctor.bak'])
  })

  it('writes in place over a longer file without leaving its old tail', async () => {
    const long = `${EXISTING}${'# padding\n'.repeat(400)}`
    writeFileSync(path, long)
    const busy: WriterIo = { rename: async () => Promise.reject(Object.assign(new Error('EBUSY'), { code: 'EBUSY' })) }
    const result = await updateKubeconfigFile(path, (before) => mergeEntry(before?.replace(/(# padding\n)+$/, ''), path, entry, { setCurrent: false }), busy)
    expect(readFileSync(path, 'utf8')).toBe(result.after)
    expect(parseDocument(readFileSync(path, 'utf8')).errors).toEqual([])
  })

  it('keeps the hard links of a linked file: written in place, same inode', async () => {
    writeFileSync(path, EXISTING)
    chmodSync(path, 0o640)
    const other = join(dir, 'config-link')
    linkSync(path, other)
    const result = await updateKubeconfigFile(path, merge(entry))
    // Before: rename put a new inode at `config`; `config-link` kept the old content, nlink fell to 1.
    expect(result.note).toBe('written in place to keep its 2 hard links')
    expect(statSync(path).nlink).toBe(2)
    expect(statSync(path).ino).toBe(statSync(other).ino)
    expect(readFileSync(other, 'utf8')).toBe(result.after)
    expect(mode(path)).toBe(0o640)
  })

  it.each([0o444, 0o400, 0o440])('refuses a read-only (%o) file with one line, leaving it, its mode and the directory as they were', async (fileMode) => {
    writeFileSync(path, EXISTING)
    chmodSync(path, fileMode)
    const error = await updateKubeconfigFile(path, merge(entry)).then(
      () => undefined,
      (e: unknown) => e,
    )
    // Before: renamed over (the directory was writable) and chmod-ed to 0600.
    expect(error).toBeInstanceOf(CliError)
    expect(error).toMatchObject({ code: 'KUBECONFIG_READ_ONLY', exitCode: 2 })
    expect((error as CliError).message).toBe(`${path} is read-only (mode 0${fileMode.toString(8)}); it was left untouched (chmod u+w ${path} to let eksdoctor update it)`)
    expect(readFileSync(path, 'utf8')).toBe(EXISTING)
    expect(mode(path)).toBe(fileMode)
    expect(listing()).toEqual(['config'])
  })

  it('refuses a path that is a directory with one line naming it, exit 2', async () => {
    mkdirSync(path)
    const error = await updateKubeconfigFile(path, merge(entry)).then(
      () => undefined,
      (e: unknown) => e,
    )
    // Before: a raw EISDIR, exit 1.
    expect(error).toBeInstanceOf(CliError)
    expect(error).toMatchObject({ code: 'KUBECONFIG_NOT_A_FILE', exitCode: 2 })
    expect((error as CliError).message).toBe(`${path} is a directory, not a kubeconfig file; pass --kubeconfig with the path of a file`)
    expect(listing()).toEqual(['config'])
    expect(readdirSync(path)).toEqual([])
  })

  it('writes through a symlinked kubeconfig and keeps the link, as kubectl and the aws CLI do', async () => {
    const target = join(dir, 'dotfiles-kubeconfig')
    writeFileSync(target, EXISTING, { mode: 0o600 })
    symlinkSync(target, path)
    await updateKubeconfigFile(path, merge(entry))
    expect(lstatSync(path).isSymbolicLink()).toBe(true)
    expect(names(parsed(readFileSync(target, 'utf8')).clusters)).toContain(ARN)
  })
})

describe('unifiedDiff', () => {
  let dir: string

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'eksdoctor-diff-'))
  })

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  /** Applies `diff` to a file holding `before` with the real patch(1); returns the result. */
  function applyPatch(before: string, diff: string): string {
    const file = join(dir, 'target')
    const patchFile = join(dir, 'change.diff')
    writeFileSync(file, before)
    writeFileSync(patchFile, diff)
    execFileSync('patch', ['-s', '--no-backup-if-mismatch', '-i', patchFile, file], { timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] })
    return readFileSync(file, 'utf8')
  }

  const lines = (n: number, prefix = 'line') => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}\n`).join('')

  it('is empty for equal texts', () => {
    expect(unifiedDiff(EXISTING, EXISTING, 'a', 'b')).toBe('')
  })

  it('gives an addition that patch applies', () => {
    const before = lines(20)
    const after = before.replace('line 10\n', 'line 10\nadded a\nadded b\n')
    const diff = unifiedDiff(before, after, 'config', 'config')
    expect(diff.startsWith('--- config\n+++ config\n@@ ')).toBe(true)
    expect(diff).toContain('+added a\n+added b\n')
    expect(applyPatch(before, diff)).toBe(after)
  })

  it('gives a change that patch applies', () => {
    const before = lines(20)
    const after = before.replace('line 7\n', 'line seven\n')
    const diff = unifiedDiff(before, after, 'config', 'config')
    expect(diff).toContain('-line 7\n+line seven\n')
    expect(applyPatch(before, diff)).toBe(after)
  })

  it('gives a deletion and changes far apart (two hunks) that patch applies', () => {
    const before = lines(60)
    const after = before.replace('line 2\n', 'line two\n').replace('line 30\nline 31\n', '').replace('line 58\n', 'line 58\nline 58b\n')
    const diff = unifiedDiff(before, after, 'config', 'config')
    expect(diff.match(/^@@ /gm)?.length).toBe(3)
    expect(applyPatch(before, diff)).toBe(after)
  })

  it('gives a new file (old side /dev/null) that patch applies to an empty file', () => {
    const after = lines(5)
    const diff = unifiedDiff('', after, '/dev/null', 'config')
    expect(diff.startsWith('--- /dev/null\n+++ config\n@@ -0,0 +1,5 @@\n')).toBe(true)
    expect(applyPatch('', diff)).toBe(after)
  })

  /** What the system `diff -u` prints for the same two texts, without its two header lines (names, times). */
  function systemDiffBody(before: string, after: string): string {
    writeFileSync(join(dir, 'before'), before)
    writeFileSync(join(dir, 'after'), after)
    let out = ''
    try {
      execFileSync('diff', ['-u', join(dir, 'before'), join(dir, 'after')], { timeout: 10_000, encoding: 'utf8' })
    } catch (error) {
      // diff exits 1 when the files differ: its output is the point.
      out = String((error as { stdout?: string }).stdout ?? '')
    }
    return out.split('\n').slice(2).join('\n')
  }

  it('prints for an 80-entry kubeconfig with one entry changed what diff -u prints: one short hunk', async () => {
    // 80 clusters as the aws CLI writes them with --profile and --role-arn: over 2,000 lines.
    const over = { profile: 'platform', roleArn: ROLE }
    const entries = Array.from({ length: 80 }, (_, i) => entryFor(`team-${String(i).padStart(2, '0')}`, over))
    const before = stringify(
      {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: entries.map((e) => ({ cluster: { 'certificate-authority-data': e.caData, server: e.server }, name: e.clusterName })),
        contexts: entries.map((e) => ({ context: { cluster: e.clusterName, user: e.userName }, name: e.contextName })),
        'current-context': entries[0]!.contextName,
        preferences: {},
        users: entries.map((e) => ({ name: e.userName, user: { exec: e.exec } })),
      },
      { indentSeq: false, lineWidth: 0 },
    )
    expect(before.split('\n').length).toBeGreaterThan(2000)
    const after = await mergeEntry(before, '/k/config', entryFor('team-41', { ...over, endpoint: 'https://moved.example.eks.amazonaws.com' }), { setCurrent: false })
    const diff = unifiedDiff(before, after, '/k/config', '/k/config')
    const [from, to, ...body] = diff.split('\n')
    expect([from, to]).toEqual(['--- /k/config', '+++ /k/config'])
    expect(body.join('\n')).toBe(systemDiffBody(before, after))
    // Before: a hand-written LCS printed thousands of lines for this change.
    expect(diff.split('\n').length).toBeLessThan(20)
    expect(applyPatch(before, diff)).toBe(after)
  })

  it('matches diff -u for changes far apart, a one-line file and a missing final newline', () => {
    const cases: [string, string][] = [
      [lines(60), lines(60).replace('line 2\n', 'line two\n').replace('line 30\nline 31\n', '').replace('line 58\n', 'line 58\nline 58b\n')],
      ['only\n', 'changed\n'],
      ['a\nb\nc', 'a\nb\nc\n'],
    ]
    for (const [before, after] of cases) {
      const body = unifiedDiff(before, after, 'x', 'x').split('\n').slice(2).join('\n')
      expect(body).toBe(systemDiffBody(before, after))
    }
  })

  it('gives the real kubeconfig merges that patch applies', async () => {
    const entry = buildEntry(input({ alias: 'prod', profile: 'platform' }))
    for (const [before, setCurrent] of [
      [EXISTING, false],
      [EXISTING, true],
    ] as const) {
      const after = await mergeEntry(before, '/k/config', entry, { setCurrent })
      expect(applyPatch(before, unifiedDiff(before, after, '/k/config', '/k/config'))).toBe(after)
    }
    const fresh = await mergeEntry(undefined, '/k/config', entry, { setCurrent: false })
    expect(applyPatch('', unifiedDiff('', fresh, '/dev/null', '/k/config'))).toBe(fresh)
    const updated = await mergeEntry(fresh, '/k/config', buildEntry(input({ alias: 'prod', endpoint: 'https://moved.example.com' })), { setCurrent: false })
    expect(applyPatch(fresh, unifiedDiff(fresh, updated, '/k/config', '/k/config'))).toBe(updated)
  })
})
