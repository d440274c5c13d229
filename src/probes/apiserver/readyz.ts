/**
 * apiserver.readyz — an unauthenticated GET /readyz on each endpoint IP, CA pinned, SNI set:
 * any HTTP answer proves the API server is reachable; 200 proves it is ready.
 * Evidence: per IP the status code, the body's first line, the time.
 * Fix: none for 401/403 (anonymous access is off: reachable); 5xx points at the cluster itself.
 */
import { defineProbe } from '../../engine/types.js'
import type { HttpResult } from '../../platform/env.js'
import { clusterCaOf, endpointOf } from '../shared.js'

/** What GET /readyz got from one endpoint IP: any answer below 500 (but 404) is the API server. */
export interface ReadyzAnswer {
  ip: string
  status?: number
  ok: boolean
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'apiserver.readyz': ReadyzAnswer[]
  }
}

export const readyzProbe = defineProbe({
  id: 'apiserver.readyz',
  layer: 'apiserver',
  title: 'API server /readyz',
  needs: ['tls.handshake', 'dns.system'],
  uses: ['cluster.describe'],
  async run(ctx) {
    const endpoint = endpointOf(ctx) as URL
    const ca = clusterCaOf(ctx)
    const url = new URL('/readyz', endpoint).toString()
    // The IPs TLS went on with (on a dual-stack endpoint with a broken IPv6 path, the IPv4 ones).
    const ips = ctx.get('tls.handshake')?.map((h) => h.ip) ?? ctx.need('dns.system').ips
    const results: (HttpResult & { ip: string })[] = await Promise.all(
      ips.map(async (ip) => ({
        ip,
        ...(await ctx.env.http.request({
          url,
          ip,
          caPem: ca?.pem,
          insecure: !ca,
          timeoutMs: Math.max(ctx.options.connectTimeoutMs, 5000),
          signal: ctx.signal,
        })),
      })),
    )
    const evidence = {
      url,
      responses: results.map((r) => ({
        ip: r.ip,
        status: r.status ?? null,
        body: r.body ? r.body.split('\n').slice(-2).join(' ').trim().slice(0, 200) : null,
        error: r.ok ? null : `${r.code}: ${r.message}`,
        ms: r.ms,
      })),
    }
    const answers: ReadyzAnswer[] = results.map((r) => ({ ip: r.ip, status: r.status, ok: r.ok && (r.status ?? 0) < 500 && r.status !== 404 }))
    const data = answers
    const failed = results.filter((_, i) => !answers[i]?.ok)
    if (failed.length === 0) {
      const anonymousOff = results.some((r) => r.status === 401 || r.status === 403)
      return {
        status: 'pass',
        detail: anonymousOff
          ? `the API server answers ${results.map((r) => `${r.status} from ${r.ip}`).join(', ')}: reachable (anonymous requests are not allowed)`
          : `GET /readyz → ${results.map((r) => `${r.status} ${r.body?.trim().split('\n').pop() ?? ''} from ${r.ip}`.trim()).join(', ')}`,
        evidence,
        data,
      }
    }
    const bad = failed[0]!
    if (!bad.ok) {
      return {
        status: 'fail',
        code: bad.code ?? 'HTTP_UNEXPECTED',
        category: 'cluster',
        confirmed: false,
        alternatives: [{ category: 'routing', summary: 'large responses are dropped on the VPN path (MTU)' }],
        detail: `TLS to ${bad.ip} works but GET /readyz got no answer: ${bad.message}`,
        evidence,
        data,
      }
    }
    if (bad.status === 404) {
      return {
        status: 'fail',
        code: 'HTTP_UNEXPECTED',
        category: 'dns',
        confirmed: false,
        detail: `${bad.ip} answers 404 for /readyz: it is not a Kubernetes API server`,
        evidence,
        data,
      }
    }
    const failedChecks = (bad.body ?? '').split('\n').filter((line) => line.startsWith('[-]')).map((line) => line.slice(3).split(' ')[0])
    return {
      status: 'fail',
      code: 'HTTP_5XX',
      category: 'cluster',
      detail: `the API server at ${bad.ip} is reachable but not ready: /readyz → ${bad.status}${failedChecks.length ? ` (failing: ${failedChecks.join(', ')})` : ''}`,
      evidence,
      data,
    }
  },
})
