/**
 * env.tools — which of the tools an operator relies on are installed, and their versions.
 * Evidence: path and version of kubectl, aws, tailscale (including the macOS app's CLI), dig.
 * Fix: none; a missing kubectl is a warning, the others only change what can be checked.
 */
import { defineProbe, type ProbeContext } from '../../engine/types.js'

/** A tool's version, and for Go tools the Go release it was built with (its TLS defaults follow it). */
interface Picked {
  version?: string
  goVersion?: string
}

const TOOLS: { name: string; args: string[]; pick: (out: string) => Picked; noKubeconfig?: boolean }[] = [
  {
    name: 'kubectl',
    args: ['version', '--client', '-o', 'json'],
    // A version dispatcher (the Google Cloud SDK's kubectl) asks the current context's cluster for its
    // version first, even with --client: with no kubeconfig it cannot, and a dead path costs nothing.
    noKubeconfig: true,
    pick: (out) => {
      try {
        const client = (JSON.parse(out) as { clientVersion?: { gitVersion?: string; goVersion?: string } }).clientVersion
        return { version: client?.gitVersion, goVersion: client?.goVersion }
      } catch {
        return {}
      }
    },
  },
  { name: 'aws', args: ['--version'], pick: (out) => ({ version: /aws-cli\/(\S+)/.exec(out)?.[1] }) },
  { name: 'tailscale', args: ['version'], pick: (out) => ({ version: out.split('\n')[0]?.trim() || undefined, goVersion: /go version: (go\S+)/.exec(out)?.[1] }) },
  { name: 'dig', args: ['-v'], pick: (out) => ({ version: /DiG (\S+)/.exec(out)?.[1] }) },
]

declare module '../../engine/types.js' {
  interface ProbeData {
    'env.tools': Record<string, ToolInfo>
  }
}

export interface ToolInfo {
  path: string | null
  version: string | null
  /** The Go release a Go tool was built with (kubectl, tailscale), when it says. */
  goVersion?: string | null
}

/** A version is remembered per binary (path, size, mtime) for a day: `aws --version` alone costs ~0.5 s. */
const VERSION_TTL_MS = 24 * 3600 * 1000
type VersionCache = Record<string, { key: string; version: string; goVersion?: string; at: number }>

async function probeTool(ctx: ProbeContext, tool: (typeof TOOLS)[number], cache: VersionCache): Promise<ToolInfo> {
  const path = await ctx.env.which(tool.name)
  if (!path) return { path: null, version: null }
  const info = await ctx.env.fs.stat(path)
  const key = info ? `${path}|${info.size}|${info.mtimeMs}` : undefined
  const hit = cache[tool.name]
  const withGo = (info: ToolInfo, goVersion: string | undefined): ToolInfo => (goVersion ? { ...info, goVersion } : info)
  if (key && hit && hit.key === key && ctx.env.clock.now() - hit.at < VERSION_TTL_MS) return withGo({ path, version: hit.version }, hit.goVersion)
  const env = tool.noKubeconfig ? { ...ctx.env.vars, KUBECONFIG: ctx.env.platform === 'win32' ? 'NUL' : '/dev/null' } : undefined
  const result = await ctx.env.exec(path, tool.args, { timeoutMs: 4000, signal: ctx.signal, ...(env ? { env } : {}) })
  const picked = tool.pick(`${result.stdout}\n${result.stderr}`)
  const version = picked.version ?? null
  if (key && version) cache[tool.name] = { key, version, ...(picked.goVersion ? { goVersion: picked.goVersion } : {}), at: ctx.env.clock.now() }
  return withGo({ path, version }, picked.goVersion)
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
      evidence: { tools: Object.fromEntries(found.map(([name, info]) => [name, { path: info.path, version: info.version, ...(info.goVersion ? { goVersion: info.goVersion } : {}) }])) },
      data: tools,
    }
  },
})
