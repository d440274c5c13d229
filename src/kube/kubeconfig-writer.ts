/**
 * Writing a kubeconfig entry as `aws eks update-kubeconfig` does (cluster named by its ARN, a user
 * with an exec v1beta1 block, a context named by the alias or the user), merged into the file
 * without disturbing anything else: other entries, unknown fields, comments, and current-context
 * unless asked. The write is atomic (temp file, rename) where it can be, leaves a backup, keeps an
 * existing file's mode, owner and hard links (0600 for a new one), and is serialised with a lock
 * file so concurrent writers do not lose each other's entries.
 */
import { constants, type Stats } from 'node:fs'
import { access, chmod, lstat, mkdir, open, readFile, readlink, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { usageError } from '../errors.js'
import { kubeconfigPaths } from './kubeconfig.js'

/** The three entries one cluster needs, and the exec block that signs for it. */
export interface KubeconfigEntry {
  clusterName: string
  server: string
  caData: string
  userName: string
  contextName: string
  exec: { apiVersion: string; command: string; args: string[]; env?: { name: string; value: string }[]; interactiveMode?: 'Never'; installHint?: string }
}

/** What kubectl prints when the eksdoctor of an exec entry cannot be run. */
export const EKSDOCTOR_INSTALL_HINT = 'eksdoctor signs the token for this cluster: install it with `npm install -g eksdoctor`, or rewrite this entry with `aws eks update-kubeconfig`.'

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
  /** The absolute path kubectl runs eksdoctor by: GUI apps (Lens) start it without the shell's PATH. */
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
          // It never prompts (no MFA or SSO dialog on kubectl's terminal); kubectl shows the hint when the command is missing.
          interactiveMode: 'Never' as const,
          installHint: EKSDOCTOR_INSTALL_HINT,
        }
  return { clusterName: o.arn, server: o.endpoint, caData: o.caData, userName, contextName: o.alias ?? userName, exec }
}

/** The file aws eks update-kubeconfig would write: --kubeconfig, the KUBECONFIG path that has the cluster, the first one, ~/.kube/config. */
export async function chooseKubeconfigFile(o: {
  explicit?: string
  vars: Readonly<Record<string, string | undefined>>
  homedir: string
  platform?: string
  clusterArn: string
  readText(path: string): Promise<string | undefined>
}): Promise<string> {
  if (o.explicit) return resolve(o.explicit)
  // The paths kubectl reads, so a blank KUBECONFIG part is never taken for a file name.
  const { paths } = kubeconfigPaths({ vars: o.vars, homedir: o.homedir, platform: o.platform })
  for (const path of paths) {
    const text = await o.readText(path)
    if (text !== undefined && (await hasNamedEntry(text, 'clusters', o.clusterArn))) return path
  }
  return paths[0] as string
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
    // `clusters: [a, b]` parses, but kubectl cannot load it: appending to it would not make it a kubeconfig.
    const items = y.isSeq(value) ? value.items : []
    const odd = items.findIndex((item) => !y.isMap(y.isAlias(item) ? item.resolve(doc) : item))
    if (odd >= 0) {
      throw usageError('KUBECONFIG_INVALID', `${file} is not a kubeconfig (entry ${odd + 1} of "${key}" is not a mapping with a name); it was left untouched`)
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
const MAX_LINK_HOPS = 40
/** The directory refuses new files: no lock, temp file or backup can go beside the kubeconfig. */
const DIRECTORY_LOCKED_CODES = new Set(['EACCES', 'EPERM', 'EROFS'])
/** rename(2) cannot put a new file where this one is: a bind-mounted file (EBUSY), another device (EXDEV). */
const NOT_REPLACEABLE_CODES = new Set(['EBUSY', 'EXDEV'])

const codeOf = (error: unknown): string | undefined => (error as { code?: string } | undefined)?.code

/** The file system calls a test may swap, to make rename fail as it does on a bind-mounted file. */
export interface WriterIo {
  rename(from: string, to: string): Promise<void>
}

const REAL_IO: WriterIo = { rename }

/** The lock's release, or undefined when the directory takes no new file (then kubectl writes unlocked too). */
async function acquireLock(path: string): Promise<(() => Promise<void>) | undefined> {
  const lock = `${path}.lock`
  const deadline = Date.now() + LOCK_WAIT_MS
  for (;;) {
    try {
      const handle = await open(lock, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600)
      await handle.writeFile(String(process.pid))
      await handle.close()
      return () => unlink(lock).catch(() => undefined)
    } catch (error) {
      if (DIRECTORY_LOCKED_CODES.has(codeOf(error) ?? '')) return undefined
      if (codeOf(error) !== 'EEXIST') throw error
      // A writer that died leaves its lock behind; after a while it no longer counts.
      const info = await stat(lock).catch(() => undefined)
      if (info && Date.now() - info.mtimeMs > LOCK_STALE_MS) await unlink(lock).catch(() => undefined)
      if (Date.now() > deadline) throw usageError('KUBECONFIG_LOCKED', `${lock} has been held for over ${LOCK_WAIT_MS / 1000} s by another writer`)
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 50))
    }
  }
}

/**
 * The file a write lands in: symlinks followed to their target even when it does not exist yet, so a
 * dotfiles link stays a link (kubectl and the aws CLI write through it too).
 */
async function resolveLinks(requested: string): Promise<string> {
  let path = resolve(requested)
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    const info = await lstat(path).catch((error: unknown) => {
      if (codeOf(error) === 'ENOENT') return undefined
      throw error
    })
    if (!info?.isSymbolicLink()) return path
    path = resolve(dirname(path), await readlink(path))
  }
  throw usageError('KUBECONFIG_LINK_LOOP', `${requested} is a loop of symbolic links; it was left untouched`)
}

/** What the file is now: undefined when it does not exist; refused when it is not a file eksdoctor may write. */
async function inspectTarget(path: string): Promise<Stats | undefined> {
  const info = await stat(path).catch((error: unknown) => {
    if (codeOf(error) === 'ENOENT') return undefined
    throw error
  })
  if (!info) return undefined
  if (info.isDirectory()) throw usageError('KUBECONFIG_NOT_A_FILE', `${path} is a directory, not a kubeconfig file; pass --kubeconfig with the path of a file`)
  if (!info.isFile()) throw usageError('KUBECONFIG_NOT_A_FILE', `${path} is not a regular file; it was left untouched`)
  const mode = (info.mode & 0o777).toString(8).padStart(4, '0')
  // No write bit at all is the owner saying "do not touch", even to root, who could write it anyway.
  if ((info.mode & 0o222) === 0) {
    throw usageError('KUBECONFIG_READ_ONLY', `${path} is read-only (mode ${mode}); it was left untouched (chmod u+w ${path} to let eksdoctor update it)`)
  }
  if (!(await access(path, constants.W_OK).then(() => true, () => false))) {
    throw usageError('KUBECONFIG_READ_ONLY', `${path} is not writable by this user (mode ${mode}, or a read-only file system); it was left untouched`)
  }
  return info
}

/** Write into the existing file itself: same inode, so its mode, owner, hard links and bind mount stay. */
async function writeInPlace(path: string, text: string): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    // Write, then cut: a reader never sees the file empty.
    await handle.writeFile(text)
    await handle.truncate(Buffer.byteLength(text))
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Put a full temp file over `path` in one rename; the temp takes the old file's mode and owner. */
async function replaceFile(path: string, text: string, old: Stats | undefined, io: WriterIo): Promise<void> {
  const temp = `${path}.eksdoctor.${process.pid}.${Date.now()}.tmp`
  try {
    const handle = await open(temp, 'w', 0o600)
    try {
      await handle.writeFile(text)
      if (old) {
        await handle.chmod(old.mode & 0o7777)
        // Only root gets here with another owner (see inPlaceReason): give the file back to its owner.
        if (!sameOwner(old)) await handle.chown(old.uid, old.gid)
      }
      await handle.sync()
    } finally {
      await handle.close()
    }
    await io.rename(temp, path)
  } finally {
    await unlink(temp).catch(() => undefined)
  }
}

function sameOwner(old: Stats): boolean {
  const uid = process.getuid?.()
  return uid === undefined || (old.uid === uid && old.gid === process.getgid?.())
}

/** Why the file must be written in place rather than replaced, if it must. */
function inPlaceReason(path: string, old: Stats | undefined, locked: boolean): string | undefined {
  if (!locked) return `written in place without a lock or a backup: ${dirname(path)} is not writable`
  if (!old) return undefined
  if (old.nlink > 1) return `written in place to keep its ${old.nlink} hard links`
  // A replacement would belong to this user; only root may hand it back.
  if (!sameOwner(old) && process.getuid?.() !== 0) return 'written in place to keep its owner'
  return undefined
}

export interface WriteResult {
  path: string
  before: string | undefined
  after: string
  changed: boolean
  backup?: string
  /** How the write differed from the usual locked rename, in words for the output line. */
  note?: string
}

/**
 * Read, change and write `path` under its lock: the change always sees the latest content. The
 * write replaces the file atomically (temp file, rename) when it can; kubectl's way (in place, with
 * the lock when the directory takes one) when the directory is read-only, the file has hard links,
 * or rename cannot replace it (a bind-mounted file).
 */
export async function updateKubeconfigFile(requested: string, change: (before: string | undefined) => Promise<string>, io: WriterIo = REAL_IO): Promise<WriteResult> {
  const path = await resolveLinks(requested)
  await inspectTarget(path)
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const release = await acquireLock(path)
  let backup: string | undefined
  let touched = false
  try {
    const old = await inspectTarget(path)
    const before = old ? await readFile(path, 'utf8') : undefined
    const after = await change(before)
    if (after === before) return { path, before, after, changed: false }
    if (!release && !old) throw usageError('KUBECONFIG_NOT_WRITABLE', `${dirname(path)} is not writable, so ${path} cannot be created`)
    if (old && release) {
      backup = `${path}.eksdoctor.bak`
      await writeFile(backup, before ?? '', { mode: 0o600 })
      await chmod(backup, 0o600)
    }
    let note = inPlaceReason(path, old, Boolean(release))
    if (!note) {
      try {
        await replaceFile(path, after, old, io)
      } catch (error) {
        const code = codeOf(error)
        if (!old || !code || !NOT_REPLACEABLE_CODES.has(code)) throw error
        note = `written in place: rename cannot replace it (${code}; a bind-mounted file?)`
      }
    }
    if (note) {
      touched = true
      await writeInPlace(path, after)
    }
    return { path, before, after, changed: true, ...(backup ? { backup } : {}), ...(note ? { note } : {}) }
  } catch (error) {
    // The file is as it was: a fresh backup of it is only clutter.
    if (backup && !touched) await unlink(backup).catch(() => undefined)
    throw error
  } finally {
    await release?.()
  }
}
