/**
 * The house has no import circle, and its layers read bottom to top: the engine's vocabulary and
 * the platform, then aws and kube, then probes and fixes, then the engine's runner and the
 * report, then the commands. Type-only imports count for circles; for the layers only what loads
 * at run time counts (an interface may describe a door from below).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../../src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
}

interface Edge {
  to: string
  typeOnly: boolean
}

const IMPORT = /(?:^|\n)\s*(import|export)(\s+type)?\s[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g

function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8')
  const edges: Edge[] = []
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4]
    if (!spec) continue
    edges.push({ to: relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))), typeOnly: Boolean(m[2]) })
  }
  return edges
}

const FILES = sourceFiles(SRC).map((f) => relative(SRC, f))
const GRAPH = new Map(FILES.map((f) => [f, importsOf(join(SRC, f))]))

/** Tier of a file: a module may load (at run time) only files of its own tier or below. */
function tierOf(file: string): number {
  if (/^engine\/(codes|types|sensitive)\.ts$|^(errors|help|flags)\.ts$|^util\//.test(file)) return 0
  if (/^platform\/(?!real-env)/.test(file)) return 1
  if (/^(aws|kube|token|target)\//.test(file) || file === 'platform/real-env.ts') return 2
  if (/^(probes|fixes|explain)\//.test(file)) return 3
  if (/^(engine|report)\//.test(file) || file === 'diagnosis.ts') return 4
  return 5
}

function findCycle(): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (file: string): string[] | undefined => {
    state.set(file, 'open')
    stack.push(file)
    for (const { to } of GRAPH.get(file) ?? []) {
      if (state.get(to) === 'open') return [...stack.slice(stack.indexOf(to)), to]
      if (!state.has(to)) {
        const found = visit(to)
        if (found) return found
      }
    }
    stack.pop()
    state.set(file, 'done')
    return undefined
  }
  for (const file of FILES) {
    if (!state.has(file)) {
      const found = visit(file)
      if (found) return found
    }
  }
  return undefined
}

describe('the import graph of src/', () => {
  it('reads every file and resolves every relative import to a file of src/', () => {
    expect(FILES.length).toBeGreaterThan(50)
    for (const [file, edges] of GRAPH) for (const edge of edges) expect(FILES, `${file} → ${edge.to}`).toContain(edge.to)
  })

  it('has no circle, type-only imports included', () => {
    expect(findCycle()).toBeUndefined()
  })

  it('loads nothing from a higher layer at run time', () => {
    const upward = [...GRAPH].flatMap(([file, edges]) => edges.filter((e) => !e.typeOnly && tierOf(e.to) > tierOf(file)).map((e) => `${file} → ${e.to}`))
    expect(upward).toEqual([])
  })
})
