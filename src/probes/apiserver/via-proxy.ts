/**
 * apiserver.via-proxy — when kubectl would use a proxy (HTTPS_PROXY without a matching
 * NO_PROXY, or the kubeconfig's proxy-url), GET /readyz through that proxy, as kubectl would.
 * Evidence: the proxy, the answer or the error.
 * Fix: add the endpoint host to NO_PROXY, or make the proxy reach the VPC.
 */
import { defineProbe, type Fix } from '../../engine/types.js'
import { displayProxyUrl } from '../../platform/proxy.js'
import { clusterCaOf, endpointOf } from '../shared.js'

function buildNoProxyFix(host: string, proxy: string, fromKubeconfig: boolean): Fix {
  const suffix = host.endsWith('.eks.amazonaws.com') ? '.eks.amazonaws.com' : host
  return {
    category: 'proxy',
    title: fromKubeconfig ? `Remove proxy-url from the kubeconfig cluster, or fix ${proxy}` : `Send ${host} direct, not through ${proxy}`,
    why: `kubectl sends the API request through ${proxy}, which cannot reach the private endpoint; the VPN route is only used by direct connections.`,
    commands: fromKubeconfig
      ? ['kubectl config view --minify   # the cluster entry carries proxy-url']
      : [`export NO_PROXY="\${NO_PROXY:+$NO_PROXY,}${suffix}"`, `export no_proxy="$NO_PROXY"`],
  }
}

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
