/**
 * env.proxy — whether kubectl would send API traffic through a proxy, by Go's net/http rules.
 * Evidence: HTTPS_PROXY/https_proxy, NO_PROXY/no_proxy, the kubeconfig proxy-url, the decision.
 * Fix: none here; apiserver.via-proxy proves whether that proxy path works.
 */
import { defineProbe } from '../../engine/types.js'
import { decideProxy, displayProxyUrl, type ProxyDecision } from '../../platform/proxy.js'
import { endpointOf } from '../shared.js'

/** The proxy kubectl would use for the endpoint, if any. */
export interface ProxyUse {
  proxy?: string
  source?: string
  decision: ProxyDecision
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'env.proxy': ProxyUse
  }
}

export const proxyProbe = defineProbe({
  id: 'env.proxy',
  layer: 'env',
  title: 'Proxy settings kubectl honours',
  uses: ['cluster.describe'],
  async run(ctx) {
    const endpoint = endpointOf(ctx)
    const url = endpoint?.toString() ?? 'https://endpoint.invalid/'
    const decision = decideProxy(url, ctx.env.vars)
    const shown = (url: string | undefined) => (url ? displayProxyUrl(url) : null)
    const evidence = {
      HTTPS_PROXY: shown(ctx.env.vars.HTTPS_PROXY ?? ctx.env.vars.https_proxy),
      NO_PROXY: decision.noProxy ?? null,
      kubeconfigProxyUrl: shown(ctx.target.proxyUrl),
      decision: decision.reason,
      bypassedBy: decision.bypassedBy ?? null,
    }
    if (ctx.target.proxyUrl) {
      return {
        status: 'warn',
        detail: `the kubeconfig cluster sets proxy-url ${displayProxyUrl(ctx.target.proxyUrl)}: kubectl sends API traffic through it, whatever NO_PROXY says`,
        evidence,
        data: { proxy: ctx.target.proxyUrl, source: 'kubeconfig proxy-url', decision },
      }
    }
    if (decision.proxy) {
      const host = endpoint?.hostname ?? 'the endpoint'
      const noProxyNote = decision.noProxy
        ? `; ${decision.noProxyVariable}=${decision.noProxy} does not match ${host} (Go matches the host name as written, never its IPs)`
        : '; NO_PROXY is not set'
      return {
        status: 'warn',
        detail: `kubectl sends API traffic for ${host} through ${displayProxyUrl(decision.proxy)} (${decision.variable})${noProxyNote}`,
        evidence,
        data: { proxy: decision.proxy, source: decision.variable, decision },
      }
    }
    const why =
      decision.reason === 'no-proxy-match'
        ? `NO_PROXY entry "${decision.bypassedBy}" sends ${endpoint?.hostname ?? 'it'} direct`
        : decision.reason === 'loopback'
          ? 'loopback addresses always go direct'
          : 'no HTTPS proxy is set'
    return { status: 'pass', detail: `kubectl connects directly: ${why}`, evidence, data: { decision } }
  },
})
