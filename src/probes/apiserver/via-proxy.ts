/**
 * apiserver.via-proxy — when kubectl would use a proxy (HTTPS_PROXY without a matching
 * NO_PROXY, or the kubeconfig's proxy-url), GET /readyz through that proxy, as kubectl would.
 * Evidence: the proxy, the answer or the error.
 * Fix: add the endpoint host to NO_PROXY, or make the proxy reach the VPC.
 */
import { defineProbe } from '../../engine/types.js'
import { buildNoProxyFix } from '../../fixes/proxy.js'
import { displayProxyUrl } from '../../platform/proxy.js'
import { clusterCaOf, endpointOf } from '../shared.js'

export const viaProxyProbe = defineProbe({
  id: 'apiserver.via-proxy',
  layer: 'apiserver',
  title: "API server through kubectl's proxy",
  needs: ['env.proxy'],
  uses: ['apiserver.readyz', 'cluster.describe'],
  async run(ctx) {
    const use = ctx.get('env.proxy')
    const endpoint = endpointOf(ctx)
    if (!use?.proxy) return { status: 'skip', detail: 'kubectl connects directly: no proxy in its path' }
    if (!endpoint) return { status: 'skip', detail: 'no endpoint known' }
    const ca = clusterCaOf(ctx)
    const result = await ctx.env.http.request({
      url: new URL('/readyz', endpoint).toString(),
      proxy: use.proxy,
      caPem: ca?.pem,
      insecure: !ca,
      timeoutMs: Math.max(ctx.options.connectTimeoutMs, 5000),
      signal: ctx.signal,
    })
    const proxy = displayProxyUrl(use.proxy)
    const message = (result.message ?? '').split(use.proxy).join(proxy)
    const evidence = { proxy, source: use.source ?? null, status: result.status ?? null, error: result.ok ? null : `${result.code}: ${message}` }
    if (result.ok && result.status !== undefined && result.status < 500) {
      return { status: 'pass', detail: `through ${proxy}, GET /readyz → ${result.status}: the proxy reaches the API server`, evidence }
    }
    return {
      status: 'fail',
      code: result.ok ? 'HTTP_5XX' : (result.code ?? 'PROXY_UNREACHABLE'),
      category: 'proxy',
      detail: `kubectl's path goes through ${proxy} (${use.source}) and fails there: ${result.ok ? `HTTP ${result.status}` : message}`,
      evidence,
      fixes: [buildNoProxyFix(endpoint.hostname, proxy, use.source === 'kubeconfig proxy-url')],
    }
  },
})
