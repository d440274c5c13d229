/**
 * Writing a kubeconfig entry as `aws eks update-kubeconfig` does (cluster named by its ARN, a user
 * with an exec v1beta1 block, a context named by the alias or the user), merged into the file
 * without disturbing anything else: other entries, unknown fields, comments, and current-context
 * unless asked. The write is atomic (temp file, rename), leaves a backup, keeps mode 0600, and is
 * serialised with a lock file so concurrent writers do not lose each other's entries.
 */
import { constants } from 'node:fs'
import { chmod, mkdir, open, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { delimiter, dirname, join, resolve } from 'node:path'
import { usageError } from '../errors.js'

/** The three entries one cluster needs, and the exec block that signs for it. */
export interface KubeconfigEntry {
  clusterName: string
  server: string
  caData: string
  userName: string
  contextName: string
  exec: { apiVersion: string; command: string; args: string[]; env?: { name: string; value: string }[] }
}

export interface EntryInput {
  arn: string
  name: string
  endpoint: string
  caData: string
  region: string
  profile?: string
  roleArn?: string
  alias?: string
  userAlias?: string
  tokenCommand: 'aws' | 'eksdoctor'
  /** How to run eksdoctor from kubectl: `eksdoctor` when it is on PATH, else an absolute path. */
  eksdoctorCommand: string
}

export function buildEntry(o: EntryInput): KubeconfigEntry {
  const userName = o.userAlias ?? o.arn
  const exec =
    o.tokenCommand === 'aws'
      ? {
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          command: 'aws',
          args: ['--region', o.region, 'eks', 'get-token', '--cluster-name', o.name, '--output', 'json', ...(o.roleArn ? ['--role', o.roleArn] : [])],
          ...(o.profile ? { env: [{ name: 'AWS_PROFILE', value: o.profile }] } : {}),
        }
      : {
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          command: o.eksdoctorCommand,
          args: ['token', '--cluster', o.name, '--region', o.region, ...(o.profile ? ['--profile', o.profile] : []), ...(o.roleArn ? ['--role-arn', o.roleArn] : [])],
        }
  return { clusterName: o.arn, server: o.endpoint, caData: o.caData, userName, contextName: o.alias ?? userName, exec }
}

/** The file aws eks update-kubeconfig would write: --kubeconfig, the KUBECONFIG path that has the cluster, the first one, ~/.kube/config. */
export async function chooseKubeconfigFile(o: {
  explicit?: string
  vars: Readonly<Record<string, string | undefined>>
  homedir: string
  clusterArn: string
  readText(path: string): Promise<string | undefined>
}): Promise<string> {
  if (o.explicit) return resolve(o.explicit)
  const paths = (o.vars.KUBECONFIG ?? '').split(delimiter).filter(Boolean).map((p) => resolve(p))
  for (const path of paths) {
    const text = await o.readText(path)
    if (text !== undefined && (await hasNamedEntry(text, 'clusters', o.clusterArn))) return path
  }
  return paths[0] ?? join(o.homedir, '.kube', 'config')
}

type YamlModule = typeof import('yaml')

/** Whether the list `listKey` of a kubeconfig text has an entry named exactly `name`. */
export async function hasNamedEntry(text: string, listKey: string, name: string): Promise<boolean> {
  const y = await import('yaml')
  const doc = y.parseDocument(text)
  if (doc.errors.length > 0) return false
  const seq = doc.get(listKey)
  return y.isSeq(seq) && namedItem(y, seq, name) !== undefined
}

/** Keys that say how to reach or trust the server, or who the user is: an entry we write replaces them all. */
const REPLACED_KEYS: Record<string, string[]> = {
  cluster: ['certificate-authority', 'insecure-skip-tls-verify'],
  user: ['token', 'tokenFile', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'username', 'password', 'auth-provider'],
  context: [],
}

function sameValue(node: unknown, value: unknown): boolean {
  const plain = node && typeof node === 'object' && 'toJSON' in node ? (node as { toJSON(): unknown }).toJSON() : node
  return JSON.stringify(canonical(plain)) === JSON.stringify(canonical(value))
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]))
  }
  return value
}

function namedItem(y: YamlModule, seq: import('yaml').YAMLSeq, name: string): import('yaml').YAMLMap | undefined {
  return seq.items.find((item): item is import('yaml').YAMLMap => y.isMap(item) && item.get('name') === name)
}

/** Set `key: value` in the entry named `name` of the list `listKey`, keeping whatever else it holds. */
function upsert(y: YamlModule, doc: import('yaml').Document, listKey: string, name: string, field: string, values: Record<string, unknown>): void {
  let seq = doc.get(listKey)
  if (!y.isSeq(seq)) {
    seq = doc.createNode([])
    doc.set(listKey, seq)
  }
  const list = seq as import('yaml').YAMLSeq
  // An empty `[]` would otherwise keep every new entry on one flow-style line.
  if (list.items.length === 0) list.flow = false
  let item = namedItem(y, list, name)
  if (!item) {
    item = doc.createNode({ [field]: {}, name }) as import('yaml').YAMLMap
    list.add(item)
  }
  let inner = item.get(field)
  if (!y.isMap(inner)) {
    inner = doc.createNode({})
    item.set(field, inner)
  }
  const map = inner as import('yaml').YAMLMap
  for (const key of REPLACED_KEYS[field] ?? []) map.delete(key)
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) map.delete(key)
    // Equal content keeps its node: a file aws wrote stays byte for byte when nothing changed.
    else if (!sameValue(map.get(key, true), value)) map.set(key, doc.createNode(value))
  }
}

/** The new text of the file; a file that is not a kubeconfig is refused, never rewritten. */
export async function mergeEntry(text: string | undefined, file: string, entry: KubeconfigEntry, o: { setCurrent: boolean }): Promise<string> {
  const y = await import('yaml')
  const empty = text === undefined || text.trim() === ''
  const doc = empty ? y.parseDocument('apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\npreferences: {}\ncurrent-context: ""\n') : y.parseDocument(text)
  if (doc.errors.length > 0) {
    throw usageError('KUBECONFIG_INVALID', `${file} is not valid YAML (${doc.errors[0]?.message.split('\n')[0]}); it was left untouched`)
  }
  if (!y.isMap(doc.contents)) throw usageError('KUBECONFIG_INVALID', `${file} is not a kubeconfig (no mapping at the top level); it was left untouched`)
  for (const key of ['clusters', 'users', 'contexts']) {
    const value = doc.get(key)
    if (value !== undefined && value !== null && !y.isSeq(value)) {
      throw usageError('KUBECONFIG_INVALID', `${file} is not a kubeconfig ("${key}" is not a list); it was left untouched`)
    }
  }
  upsert(y, doc, 'clusters', entry.clusterName, 'cluster', { server: entry.server, 'certificate-authority-data': entry.caData })
  upsert(y, doc, 'users', entry.userName, 'user', { exec: entry.exec })
  upsert(y, doc, 'contexts', entry.contextName, 'context', { cluster: entry.clusterName, user: entry.userName })
  const current = doc.get('current-context')
  if (o.setCurrent || !current) doc.set('current-context', entry.contextName)
  // kubectl's own layout: list items at the key's indent, flow maps without padding.
  return doc.toString({ lineWidth: 0, indentSeq: false, flowCollectionPadding: false })
}

const LOCK_WAIT_MS = 10_000
const LOCK_STALE_MS = 30_000

async function acquireLock(path: string): Promise<() => Promise<void>> {
  const lock = `${path}.lock`
  const deadline = Date.now() + LOCK_WAIT_MS
  for (;;) {
    try {
      const handle = await open(lock, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600)
      await handle.writeFile(String(process.pid))
      await handle.close()
      return () => unlink(lock).catch(() => undefined)
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error
      // A writer that died leaves its lock behind; after a while it no longer counts.
      const info = await stat(lock).catch(() => undefined)
      if (info && Date.now() - info.mtimeMs > LOCK_STALE_MS) await unlink(lock).catch(() => undefined)
      if (Date.now() > deadline) throw usageError('KUBECONFIG_LOCKED', `${lock} has been held for over ${LOCK_WAIT_MS / 1000} s by another writer`)
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 50))
    }
  }
}

export interface WriteResult {
  path: string
  before: string | undefined
  after: string
  changed: boolean
  backup?: string
}

/** Read, change and write `path` under its lock: the change always sees the latest content. */
export async function updateKubeconfigFile(requested: string, change: (before: string | undefined) => Promise<string>): Promise<WriteResult> {
  // Write through a symlink (dotfiles managers link ~/.kube/config), never over it.
  const path = await realpath(requested).catch(() => requested)
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const release = await acquireLock(path)
  try {
    const before = await readFile(path, 'utf8').catch((error: { code?: string }) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    })
    const after = await change(before)
    if (after === before) return { path, before, after, changed: false }
    let backup: string | undefined
    if (before !== undefined) {
      backup = `${path}.eksdoctor.bak`
      await writeFile(backup, before, { mode: 0o600 })
      await chmod(backup, 0o600)
    }
    const temp = `${path}.eksdoctor.${process.pid}.${Date.now()}.tmp`
    try {
      const handle = await open(temp, 'w', 0o600)
      try {
        await handle.writeFile(after)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temp, path)
    } catch (error) {
      await unlink(temp).catch(() => undefined)
      throw error
    }
    return { path, before, after, changed: true, backup }
  } finally {
    await release()
  }
}
