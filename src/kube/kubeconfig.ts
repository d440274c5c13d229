/**
 * kubeconfig read as kubectl reads it: --kubeconfig alone, else every KUBECONFIG path merged
 * (first file to set a name or current-context wins, missing files ignored), else ~/.kube/config.
 * Relative file references resolve against the file that holds them.
 */
import { delimiter, dirname, isAbsolute, join, posix, resolve, win32 } from 'node:path'
import { usageError } from '../errors.js'

type Dict = Record<string, unknown>

/** A named entry and the file it came from. */
export interface Located<T> {
  name: string
  value: T
  file: string
}

/** The three lists of a kubeconfig, by their key. */
export type EntryKind = 'clusters' | 'users' | 'contexts'

export interface KubeconfigView {
  files: string[]
  currentContext?: string
  /** Every file's own current-context, in KUBECONFIG order: only the first one counts. */
  currentContexts: { file: string; name: string }[]
  clusters: Map<string, Located<Dict>>
  users: Map<string, Located<Dict>>
  contexts: Map<string, Located<Dict>>
  /** Entries a later file defines under a name an earlier file already set: kubectl ignores them. */
  shadowed: (Located<Dict> & { kind: EntryKind })[]
}

export interface LoadOptions {
  explicitPath?: string
  vars: Readonly<Record<string, string | undefined>>
  homedir: string
  readText(path: string): Promise<string | undefined>
  platform?: string
}

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Parse one kubeconfig file; a malformed one is a usage error naming the file. */
export async function parseKubeconfigText(text: string, file: string): Promise<Dict> {
  const { parse } = await import('yaml')
  let doc: unknown
  try {
    doc = parse(text, { strict: true, uniqueKeys: false })
  } catch (error) {
    const line = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw usageError('KUBECONFIG_INVALID', `${file} is not valid YAML: ${line}`)
  }
  if (doc === null || doc === undefined) return {}
  if (!isDict(doc)) throw usageError('KUBECONFIG_INVALID', `${file} is not a kubeconfig: expected a mapping at the top level`)
  for (const key of ['clusters', 'users', 'contexts']) {
    const list = doc[key]
    if (list !== undefined && list !== null && !Array.isArray(list)) {
      throw usageError('KUBECONFIG_INVALID', `${file} is not a kubeconfig: "${key}" must be a list`)
    }
  }
  return doc
}

export function kubeconfigPaths(o: Pick<LoadOptions, 'explicitPath' | 'vars' | 'homedir' | 'platform'>): { paths: string[]; explicit: boolean } {
  // The path rules of the platform named (the machine's own when none is): a Windows path stays one in a test on Linux.
  const path = o.platform === 'win32' ? win32 : o.platform ? posix : { resolve, join }
  if (o.explicitPath) return { paths: [path.resolve(o.explicitPath)], explicit: true }
  const sep = o.platform === 'win32' ? ';' : delimiter
  const seen = new Set<string>()
  // Blank parts (`KUBECONFIG=': :'`, a stray leading or trailing separator) name no file: kubectl skips them.
  const paths = (o.vars.KUBECONFIG ?? '')
    .split(sep)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => path.resolve(p))
    .filter((p) => (seen.has(p) ? false : (seen.add(p), true)))
  return { paths: paths.length > 0 ? paths : [path.join(o.homedir, '.kube', 'config')], explicit: false }
}

export async function loadKubeconfig(o: LoadOptions): Promise<KubeconfigView> {
  const { paths, explicit } = kubeconfigPaths(o)
  const view: KubeconfigView = { files: [], currentContexts: [], clusters: new Map(), users: new Map(), contexts: new Map(), shadowed: [] }
  for (const path of paths) {
    const text = await o.readText(path)
    if (text === undefined) {
      if (explicit) throw usageError('KUBECONFIG_NOT_FOUND', `kubeconfig ${path} does not exist or cannot be read`)
      continue
    }
    const doc = await parseKubeconfigText(text, path)
    view.files.push(path)
    if (typeof doc['current-context'] === 'string' && doc['current-context']) {
      view.currentContext ??= doc['current-context']
      view.currentContexts.push({ file: path, name: doc['current-context'] })
    }
    for (const [key, field] of [
      ['clusters', 'cluster'],
      ['users', 'user'],
      ['contexts', 'context'],
    ] as const) {
      for (const item of (doc[key] as unknown[] | undefined) ?? []) {
        if (!isDict(item) || typeof item.name !== 'string') continue
        const map = view[key]
        const entry = { name: item.name, value: isDict(item[field]) ? (item[field] as Dict) : {}, file: path }
        if (!map.has(item.name)) map.set(item.name, entry)
        else if (map.get(item.name)?.file !== path) view.shadowed.push({ ...entry, kind: key })
      }
    }
  }
  if (view.files.length === 0) {
    throw usageError(
      'KUBECONFIG_NOT_FOUND',
      `no kubeconfig found (looked at ${paths.join(', ')}); pass --cluster NAME --region R, or --endpoint URL`,
    )
  }
  return view
}

/** A path in a kubeconfig is relative to the file that holds it. */
export function resolveKubeconfigPath(value: string, file: string): string {
  return isAbsolute(value) ? value : resolve(dirname(file), value)
}

/** What an exec credential plugin entry says about the cluster it signs for. */
export interface ExecInfo {
  apiVersion?: string
  command: string
  args: string[]
  env: Record<string, string>
  kind: 'aws-cli' | 'aws-iam-authenticator' | 'eksdoctor' | 'other'
  cluster?: string
  region?: string
  profile?: string
  roleArn?: string
}

function argValue(args: string[], names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    for (const name of names) {
      if (arg === name) return args[i + 1]
      if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1)
    }
  }
  return undefined
}

export function parseExecBlock(exec: Dict): ExecInfo | undefined {
  if (typeof exec.command !== 'string') return undefined
  const args = Array.isArray(exec.args) ? exec.args.map(String) : []
  const env: Record<string, string> = {}
  if (Array.isArray(exec.env)) {
    for (const item of exec.env) {
      if (isDict(item) && typeof item.name === 'string') env[item.name] = String(item.value ?? '')
    }
  }
  const base = exec.command.split(/[\\/]/).pop()?.replace(/\.exe$/i, '') ?? exec.command
  const info: ExecInfo = {
    apiVersion: typeof exec.apiVersion === 'string' ? exec.apiVersion : undefined,
    command: exec.command,
    args,
    env,
    kind: 'other',
    profile: argValue(args, ['--profile']) ?? env.AWS_PROFILE,
  }
  if (base === 'aws' && args.includes('get-token')) {
    info.kind = 'aws-cli'
    info.cluster = argValue(args, ['--cluster-name', '--cluster-id'])
    info.region = argValue(args, ['--region']) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION
    info.roleArn = argValue(args, ['--role-arn', '--role'])
  } else if (base === 'aws-iam-authenticator' || base === 'eksctl') {
    info.kind = 'aws-iam-authenticator'
    info.cluster = argValue(args, ['-i', '--cluster-id', '--cluster-name'])
    info.region = argValue(args, ['--region']) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION
    info.roleArn = argValue(args, ['-r', '--role'])
  } else if (base === 'eksdoctor' || args.includes('eksdoctor')) {
    info.kind = 'eksdoctor'
    info.cluster = argValue(args, ['--cluster', '--name'])
    info.region = argValue(args, ['--region'])
    info.roleArn = argValue(args, ['--role-arn'])
  }
  return info
}
