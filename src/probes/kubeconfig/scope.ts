/**
 * What the kubeconfig checks look at, shared by them: the merged kubeconfig as kubectl reads it for
 * this target (--kubeconfig alone, else KUBECONFIG, else ~/.kube/config), and the exec entries
 * of the contexts that matter: the one in use, else (--cluster) those that target the cluster.
 */
import { posix, win32 } from 'node:path'
import type { Reader } from '../../engine/types.js'
import { execEntryOf, type ExecEntry } from '../../kube/exec-entries.js'
import { loadKubeconfig, type KubeconfigView } from '../../kube/kubeconfig.js'
import type { ProbeEnv } from '../../platform/env.js'
import type { Target } from '../../engine/types.js'

type ViewRead = { view: KubeconfigView } | { error: string }

/** One read per run and path: five kubeconfig checks look at the same merged files. */
const viewsOfRun = new WeakMap<ProbeEnv, Map<string, Promise<ViewRead>>>()

/** The kubeconfig kubectl reads for this target, or the one line that says why it cannot be read. */
export function readView(env: ProbeEnv, target: Target): Promise<ViewRead> {
  let views = viewsOfRun.get(env)
  if (!views) viewsOfRun.set(env, (views = new Map()))
  const key = target.kubeconfigFlag ?? ''
  let read = views.get(key)
  if (!read) {
    read = loadKubeconfig({ explicitPath: target.kubeconfigFlag, vars: env.vars, homedir: env.fs.homedir(), readText: env.fs.readText, platform: env.platform }).then(
      (view): ViewRead => ({ view }),
      (error: unknown): ViewRead => ({ error: error instanceof Error ? error.message : String(error) }),
    )
    views.set(key, read)
  }
  return read
}

/** The files kubectl reads, in order, whether they exist or not (kubectl locks each one when it writes). */
export function kubectlFiles(env: ProbeEnv, target: Target): string[] {
  // kubeconfigPaths' rules, with the path functions of the platform checked (a Windows path stays one in tests on Linux).
  const path = env.platform === 'win32' ? win32 : posix
  if (target.kubeconfigFlag) return [path.resolve(target.kubeconfigFlag)]
  const listed = (env.vars.KUBECONFIG ?? '').split(env.platform === 'win32' ? ';' : ':').map((p) => p.trim()).filter(Boolean)
  return listed.length ? [...new Set(listed.map((p) => path.resolve(p)))] : [path.join(env.fs.homedir(), '.kube', 'config')]
}

/** The exec entries to judge, or why there are none. */
export async function execEntriesInScope(ctx: Reader<'kubeconfig.context'> & { env: ProbeEnv }): Promise<{ entries: ExecEntry[] } | { skip: string }> {
  const t = ctx.target
  let names: string[]
  if (t.context) names = [t.context]
  else if (t.sources.endpoint === '--endpoint' || !t.cluster) return { skip: 'no kubeconfig context in use: a bare --endpoint is checked without one' }
  else {
    names = (ctx.get('kubeconfig.context') ?? []).map((c) => c.name)
    if (names.length === 0) return { skip: `no kubeconfig context targets ${t.cluster}` }
  }
  const read = await readView(ctx.env, t)
  if ('error' in read) return { skip: `kubectl cannot load the kubeconfig: ${read.error}` }
  const entries = names.map((name) => execEntryOf(read.view, name)).filter((e): e is ExecEntry => e !== undefined)
  if (entries.length === 0) return { skip: `${names.join(', ')} ${names.length > 1 ? 'have' : 'has'} no exec credential plugin (static credentials)` }
  return { entries }
}

/** "context x (user y in file)", the way every finding names an entry. */
export function entryLabel(e: ExecEntry): string {
  return `context ${e.context} (user ${e.user} in ${e.file})`
}
