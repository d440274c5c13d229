/**
 * routing.tailscale — the local Tailscale client: running or not, which peers serve which
 * routes, and whether this node accepts subnet routes (RouteAll, from `tailscale debug prefs`).
 * Evidence: BackendState, version, accept-routes, the peers that are subnet routers.
 * Fix: none here; routing.local-route and routing.vpn-peer turn this state into the fix.
 * Never fails on its own: a stopped Tailscale only matters if the route needed it.
 */
import { defineProbe } from '../../engine/types.js'
import { parseTailscalePrefs, parseTailscaleStatus, type TailscalePrefs, type TailscaleStatus } from '../../platform/parsers/tailscale-status.js'

/** What routing.tailscale hands on: the CLI's path and what it said. */
export interface TailscaleState {
  path: string
  status?: TailscaleStatus
  prefs?: TailscalePrefs
  error?: string
}


declare module '../../engine/types.js' {
  interface ProbeData {
    'routing.tailscale': TailscaleState
  }
}

export const tailscaleProbe = defineProbe({
  id: 'routing.tailscale',
  layer: 'routing',
  title: 'Tailscale client state',
  timeoutMs: 8000,
  async run(ctx) {
    const path = await ctx.env.which('tailscale')
    if (!path) return { status: 'skip', code: 'TOOL_MISSING', detail: 'tailscale not found: no Tailscale state to read' }
    const [statusRun, prefsRun] = await Promise.all([
      ctx.env.exec(path, ['status', '--json'], { timeoutMs: 4000, signal: ctx.signal }),
      ctx.env.exec(path, ['debug', 'prefs'], { timeoutMs: 4000, signal: ctx.signal }),
    ])
    if (statusRun.timedOut || statusRun.exitCode !== 0) {
      const why = statusRun.timedOut ? 'did not answer within 4 s' : (statusRun.stderr || statusRun.stdout).trim().split('\n')[0]
      return {
        status: 'warn',
        code: 'VPN_NOT_RUNNING',
        detail: `tailscale status failed: ${why}`,
        evidence: { path, error: why ?? null },
        data: { path, error: why },
      }
    }
    let state: TailscaleState
    try {
      const status = parseTailscaleStatus(statusRun.stdout)
      let prefs: TailscaleState['prefs']
      try {
        prefs = prefsRun.exitCode === 0 ? parseTailscalePrefs(prefsRun.stdout) : undefined
      } catch {
        prefs = undefined
      }
      state = { path, status, prefs }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      return { status: 'warn', detail: `could not read tailscale status: ${message}`, evidence: { path }, data: { path, error: message } }
    }
    const status = state.status!
    const routers = status.peers.filter((p) => p.primaryRoutes.length > 0 || p.allowedIPs.some((cidr) => !p.tailscaleIPs.includes(cidr.split('/')[0] ?? '')))
    const acceptRoutes = state.prefs?.routeAll ?? (status.acceptRoutesHealthWarning ? false : undefined)
    const evidence = {
      path,
      version: status.version,
      backendState: status.backendState,
      acceptRoutes: acceptRoutes ?? null,
      health: status.health,
      subnetRouters: routers.map((p) => ({
        host: p.hostName,
        dnsName: p.dnsName,
        online: p.online,
        primaryRoutes: p.primaryRoutes,
        allowedIPs: p.allowedIPs.filter((cidr) => !p.tailscaleIPs.includes(cidr.split('/')[0] ?? '')),
      })),
    }
    if (status.backendState !== 'Running') {
      return { status: 'warn', code: 'VPN_NOT_RUNNING', detail: `Tailscale is ${status.backendState}, not Running`, evidence, data: state }
    }
    return {
      status: 'pass',
      detail: `Tailscale ${status.version.split('-')[0]} is Running; ${routers.length} subnet router${routers.length === 1 ? '' : 's'} in the tailnet; accept-routes ${acceptRoutes === undefined ? 'unknown' : acceptRoutes ? 'on' : 'off'}`,
      evidence,
      data: state,
    }
  },
})
