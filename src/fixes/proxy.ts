/** Fixes for a proxy in kubectl's path that cannot reach the private endpoint. */
import type { Fix } from '../engine/types.js'

export function buildNoProxyFix(host: string, proxy: string, fromKubeconfig: boolean): Fix {
  // Only cluster endpoints end in .eks.amazonaws.com(.cn); under api.aws live AWS's own dual-stack APIs too, so the host alone.
  const suffix = ['.eks.amazonaws.com', '.eks.amazonaws.com.cn'].find((s) => host.toLowerCase().endsWith(s)) ?? host
  return {
    category: 'proxy',
    title: fromKubeconfig ? `Remove proxy-url from the kubeconfig cluster, or fix ${proxy}` : `Send ${host} direct, not through ${proxy}`,
    why: `kubectl sends the API request through ${proxy}, which cannot reach the private endpoint; the VPN route is only used by direct connections.`,
    commands: fromKubeconfig
      ? ['kubectl config view --minify   # the cluster entry carries proxy-url']
      : [`export NO_PROXY="\${NO_PROXY:+$NO_PROXY,}${suffix}"`, `export no_proxy="$NO_PROXY"`],
  }
}
