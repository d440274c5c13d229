/**
 * kubeconfig.shadowed — no cluster, user or context name is defined in two KUBECONFIG files with
 * different contents. client-go merges the files first to last and the first file to set a name
 * wins, whole entry and all (current-context too: the first file that sets one); the later entry
 * is ignored without a word. Two kubeconfigs written from one template (a cluster "kubernetes",
 * a user "aws") then make one file's context use the other file's server and credentials.
 * It fails when the context in use, or one that targets the cluster, resolves to another file's
 * entry that differs from its own; any other differing pair is a warning.
 * Evidence: each name, the file kubectl uses it from, the files ignored, and what each entry is.
 * Fix: delete the unused entry that hides the other, or give the hidden one its own name (kubectl
 * config commands; secrets are copied by kubectl itself, never printed).
 */
import { posix, win32 } from 'node:path'
import { defineProbe, type Fix, type Target } from '../../engine/types.js'
import { buildShadowedEntryFix } from '../../fixes/kubeconfig.js'
import { readContext, targetsCluster } from '../../kube/contexts.js'
import { parseExecBlock, type EntryKind, type KubeconfigView, type Located } from '../../kube/kubeconfig.js'
import type { Platform } from '../../platform/env.js'
import { readView } from './scope.js'

type Dict = Record<string, unknown>
type Entry = Located<Dict>
type Shadowed = KubeconfigView['shadowed'][number]

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value as Dict).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]))
  return value
}
const same = (a: Dict, b: Dict) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))
const SINGULAR: Record<EntryKind, string> = { clusters: 'cluster', users: 'user', contexts: 'context' }

/** What an entry is, in a few words and without secrets. */
function describe(kind: EntryKind, value: Dict): string {
  if (kind === 'clusters') return typeof value.server === 'string' ? `server ${value.server}` : 'no server'
  if (kind === 'contexts') return `cluster ${String(value.cluster ?? '')}, user ${String(value.user ?? '')}`
  const exec = typeof value.exec === 'object' && value.exec !== null ? parseExecBlock(value.exec as Dict) : undefined
  if (exec) return `exec ${exec.command}${exec.cluster ? ` for ${exec.cluster}` : ''}${exec.profile ? ` with profile ${exec.profile}` : ''}`
  const keys = Object.keys(value)
  return keys.length ? keys.join(', ') : 'empty'
}

/** The entry of `name` that `file` itself defines, used by kubectl or not. */
function ownEntry(view: KubeconfigView, kind: EntryKind, name: string, file: string): Entry | Shadowed | undefined {
  const used = view[kind].get(name)
  return used?.file === file ? used : view.shadowed.find((s) => s.kind === kind && s.name === name && s.file === file)
}

/** Every definition of a context: the one kubectl uses and the hidden ones. */
function contextDefinitions(view: KubeconfigView): (Entry | Shadowed)[] {
  return [...view.contexts.values(), ...view.shadowed.filter((s) => s.kind === 'contexts')]
}

interface Misresolved {
  context: string
  file: string
  kind: 'clusters' | 'users'
  name: string
  /** Defined in the context's own file and hidden by `used`: always one of the view's shadowed entries. */
  own: Shadowed
  used: Entry
}

/** The references of a context definition that kubectl resolves to another file's, different entry. */
function misresolved(view: KubeconfigView, def: Entry): Misresolved[] {
  return (['clusters', 'users'] as const).flatMap((kind) => {
    const name = def.value[SINGULAR[kind]]
    if (typeof name !== 'string') return []
    const own = ownEntry(view, kind, name, def.file)
    const used = view[kind].get(name)
    return own && 'kind' in own && used && !same(own.value, used.value) ? [{ context: def.name, file: def.file, kind, name, own, used }] : []
  })
}

/** Whether a context definition, read with its own file's entries only, targets the cluster. */
async function targetsOnItsOwn(view: KubeconfigView, def: Entry, t: Target, endpoint: string | undefined, readText: (p: string) => Promise<string | undefined>): Promise<boolean> {
  if (!t.cluster || !t.region) return false
  const pick = (kind: 'clusters' | 'users') => {
    const name = def.value[SINGULAR[kind]]
    const own = typeof name === 'string' ? ownEntry(view, kind, name, def.file) : undefined
    return new Map(own && typeof name === 'string' ? [[name, own]] : [])
  }
  const mini: KubeconfigView = { files: [def.file], currentContexts: [], clusters: pick('clusters'), users: pick('users'), contexts: new Map([[def.name, def]]), shadowed: [] }
  const info = await readContext(mini, def.name, readText)
  return Boolean(info && targetsCluster(info, { name: t.cluster, region: t.region, endpoint }))
}

export const shadowedProbe = defineProbe({
  id: 'kubeconfig.shadowed',
  layer: 'kubeconfig',
  title: "No kubeconfig name hides another file's entry",
  uses: ['kubeconfig.context', 'cluster.describe'],
  async run(ctx) {
    const { env, target: t } = ctx
    const read = await readView(env, t)
    if ('error' in read) return { status: 'skip', detail: `kubectl cannot load the kubeconfig: ${read.error}` }
    const view = read.view
    if (view.files.length < 2) return { status: 'pass', detail: `one kubeconfig file (${view.files[0] ?? ''}): no name can hide another`, evidence: { files: view.files } }
    const endpoint = ctx.get('cluster.describe')?.endpoint
    // The definitions that must resolve to their own entries: the context in use, else those that target the cluster.
    const endpointMode = t.sources.endpoint === '--endpoint'
    const inScope = new Set(t.context ? [t.context] : (ctx.get('kubeconfig.context') ?? []).map((c) => c.name))
    const broken: Misresolved[] = []
    const hidden: { def: Shadowed; used: Entry }[] = []
    if (!endpointMode) {
      for (const def of contextDefinitions(view)) {
        const used = view.contexts.get(def.name) as Entry
        const matters = ('kind' in def ? false : inScope.has(def.name)) || (!t.context && (await targetsOnItsOwn(view, def, t, endpoint, env.fs.readText)))
        if (!matters) continue
        if ('kind' in def) {
          if (!same(def.value, used.value)) hidden.push({ def, used })
        } else broken.push(...misresolved(view, def))
      }
    }
    const brokenKeys = new Set(broken.map((b) => `${b.kind}/${b.name}/${b.own.file}`))
    const hiddenKeys = new Set(hidden.map((h) => `contexts/${h.def.name}/${h.def.file}`))
    const differing = view.shadowed.filter((s) => !same(s.value, (view[s.kind].get(s.name) as Entry).value) && !brokenKeys.has(`${s.kind}/${s.name}/${s.file}`) && !hiddenKeys.has(`${s.kind}/${s.name}/${s.file}`))
    const currents = [...new Map(view.currentContexts.map((c) => [c.name, c])).values()]
    const sentences = [
      ...broken.map(
        (b) =>
          `context ${b.context} (${b.file}) means its own ${SINGULAR[b.kind]} ${b.name} (${describe(b.kind, b.own.value)}), but kubectl uses the ${SINGULAR[b.kind]} ${b.name} of ${b.used.file} (${describe(b.kind, b.used.value)}), the first KUBECONFIG file to define it`,
      ),
      ...hidden.map((h) => `the context ${h.def.name} of ${h.def.file} (${describe('contexts', h.def.value)}) is never used: kubectl takes the context ${h.def.name} of ${h.used.file} (${describe('contexts', h.used.value)})`),
      ...differing.map((s) => {
        const used = view[s.kind].get(s.name) as Entry
        return `${SINGULAR[s.kind]} ${s.name} is defined in ${used.file} and ${s.file}: kubectl uses ${used.file}'s (${describe(s.kind, used.value)}) and ignores ${s.file}'s (${describe(s.kind, s.value)})`
      }),
      ...(currents.length > 1 ? [`current-context ${currents[0]?.name} of ${currents[0]?.file} wins; ${currents.slice(1).map((c) => `${c.name} of ${c.file}`).join(', ')} is ignored (kubectl config use-context makes another one current)`] : []),
    ]
    const evidence = {
      files: view.files,
      shadowed: view.shadowed.map((s) => ({ kind: SINGULAR[s.kind], name: s.name, usedFrom: view[s.kind].get(s.name)?.file ?? null, ignoredIn: s.file, differs: !same(s.value, (view[s.kind].get(s.name) as Entry).value) })),
      currentContexts: view.currentContexts.map((c) => ({ file: c.file, name: c.name })),
    }
    if (sentences.length === 0) return { status: 'pass', detail: `${view.files.length} kubeconfig files, no name defined differently in two of them`, evidence }
    const fixes = shadowFixes(view, [...broken.map((b) => b.own), ...hidden.map((h) => h.def), ...differing], env.platform)
    const failing = broken.length > 0 || hidden.length > 0
    // A context that looks stale or foreign to kubeconfig.context because it reads another file's entry: this explains it.
    const context = ctx.result('kubeconfig.context')
    const explains = context?.status === 'fail' && (ctx.get('kubeconfig.context') ?? []).some((c) => c.problems.length > 0 && broken.some((b) => b.context === c.name))
    return failing
      ? { status: 'fail', code: 'KUBECONFIG_SHADOWED', category: 'kubeconfig', detail: sentences.join('; '), evidence, fixes, ...(explains ? { refines: 'kubeconfig.context' as const } : {}) }
      : { status: 'warn', code: 'KUBECONFIG_SHADOWED', detail: sentences.join('; '), evidence, fixes }
  },
})

function shadowFixes(view: KubeconfigView, ignored: Shadowed[], platform: Platform): Fix[] {
  const path = platform === 'win32' ? win32 : posix
  const seen = new Set<string>()
  const fixes: Fix[] = []
  for (const entry of ignored) {
    const kind = entry.kind
    if (seen.has(`${kind}/${entry.name}/${entry.file}`)) continue
    seen.add(`${kind}/${entry.name}/${entry.file}`)
    const used = view[kind].get(entry.name) as Entry
    const key = SINGULAR[kind]
    const refersTo = (file: string) => contextDefinitions(view).filter((d) => d.file === file && d.value[key] === entry.name).map((d) => d.name)
    const tag = path.basename(entry.file).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]+/g, '-') || 'other'
    fixes.push(
      buildShadowedEntryFix({
        kind,
        name: entry.name,
        usedFile: used.file,
        ignoredFile: entry.file,
        orphan: kind !== 'contexts' && refersTo(used.file).length === 0,
        newName: `${entry.name.replace(/\./g, '-')}-${tag}`,
        referencedBy: kind === 'contexts' ? [] : refersTo(entry.file),
        value: entry.value,
        platform,
      }),
    )
  }
  return fixes
}
