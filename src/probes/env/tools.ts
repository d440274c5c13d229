/**
 * env.tools — which of the tools an operator relies on are installed, and their versions.
 * Evidence: path and version of kubectl, aws, tailscale (including the macOS app's CLI), dig.
 * Fix: none; a missing kubectl is a warning, the others only change what can be checked.
 */
import { defineProbe, type ProbeContext } from '../../engine/types.js'

const TOOLS: { name: string; args: string[]; pick: (out: string) => string | undefined; noKubeconfig?: boolean }[] = [
  {
    name: 'kubectl',
    args: ['version', '--client', '-o', 'json'],
    // A version dispatcher (the Google Cloud SDK's kubectl) asks the current context's cluster for its
    // version first, even with --client: with no kubeconfig it cannot, and a dead path costs nothing.
    noKubeconfig: true,
    pick: (out) => {
      try {
        return (JSON.parse(out) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion
      } catch {
        return undefined
      }
    },
  },
  { name: 'aws', args: ['--version'], pick: (out) => /aws-cli\/(\S+)/.exec(out)?.[1] },
  { name: 'tailscale', args: ['version'], pick: (out) => out.split('\n')[0]?.trim() || undefined },
  { name: 'dig', args: ['-v'], pick: (out) => /DiG (\S+)/.exec(out)?.[1] },
]

declare module '../../engine/types.js' {
  interface ProbeData {
    'env.tools': Record<string, ToolInfo>
  }
}

export interface ToolInfo {
  path: string | null
  version: string | null
}

/** A version is remembered per binary (path, size, mtime) for a day: `aws --version` alone costs ~0.5 s. */
const VERSION_TTL_MS = 24 * 3600 * 1000
type VersionCache = Record<string, { key: string; version: string; at: number }>

async function probeTool(ctx: ProbeContext, tool: (typeof TOOLS)[number], cache: VersionCache): Promise<ToolInfo> {
  const path = await ctx.env.which(tool.name)
  if (!path) return { path: null, version: null }
  const info = await ctx.env.fs.stat(path)
  const key = info ? `${path}|${info.size}|${info.mtimeMs}` : undefined
  const hit = cache[tool.name]
  if (key && hit && hit.key === key && ctx.env.clock.now() - hit.at < VERSION_TTL_MS) return { path, version: hit.version }
  const env = tool.noKubeconfig ? { ...ctx.env.vars, KUBECONFIG: ctx.env.platform === 'win32' ? 'NUL' : '/dev/null' } : undefined
  const result = await ctx.env.exec(path, tool.args, { timeoutMs: 4000, signal: ctx.signal, ...(env ? { env } : {}) })
  const version = tool.pick(`${result.stdout}\n${result.stderr}`) ?? null
  if (key && version) cache[tool.name] = { key, version, at: ctx.env.clock.now() }
  return { path, version }
}

export const toolsProbe = defineProbe({
  id: 'env.tools',
  layer: 'env',
  title: 'Tools on this workstation',
  timeoutMs: 6000,
  async run(ctx) {
    const cache = (await ctx.env.cache.read<VersionCache>('tool-versions')) ?? {}
    const before = JSON.stringify(cache)
    const found = await Promise.all(TOOLS.map(async (tool) => [tool.name, await probeTool(ctx, tool, cache)] as const))
    if (JSON.stringify(cache) !== before) await ctx.env.cache.write('tool-versions', cache)
    const tools = Object.fromEntries(found)
    const present = found.filter(([, info]) => info.path).map(([name, info]) => `${name} ${info.version ?? '(version unknown)'}`)
    const missing = found.filter(([, info]) => !info.path).map(([name]) => name)
    const summary = `${present.length ? `found ${present.join(', ')}` : 'none of kubectl, aws, tailscale, dig found'}${missing.length ? `; not found: ${missing.join(', ')}` : ''}`
    return {
      status: tools.kubectl?.path ? 'pass' : 'warn',
      detail: tools.kubectl?.path ? summary : `kubectl is not on PATH; ${summary}`,
      code: tools.kubectl?.path ? undefined : 'TOOL_MISSING',
      evidence: { tools: Object.fromEntries(found.map(([name, info]) => [name, { path: info.path, version: info.version }])) },
      data: tools,
    }
  },
})
