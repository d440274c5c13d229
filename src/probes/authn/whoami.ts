/**
 * authn.whoami — the API server accepts the token: a SelfSubjectReview (authentication.k8s.io/v1,
 * v1beta1 on 1.27) says which Kubernetes user and groups the IAM principal is mapped to.
 * Evidence: username, uid, groups, extra keys; or the 401 Status. The token goes only over TLS
 * verified against the cluster CA (the default trusted CAs for a bare --endpoint); without either
 * the check skips and says why.
 * Fix: none here; authn.access-entry reads the cluster's mapping and names the cause of a 401.
 */
import { defineProbe } from '../../engine/types.js'
import { chooseKubeTrust, describeKubeTrust, postKube, statusOf, UNVERIFIED_CODES } from '../../kube/api-client.js'
import { clusterCaOf, endpointOf, requestIp, unansweredBySize } from '../shared.js'

/** Who the cluster says the caller is. */
export interface KubeUser {
  username: string
  uid?: string
  groups: string[]
  extra: Record<string, string[]>
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'authn.whoami': KubeUser
  }
}

const REVIEW_VERSIONS = ['authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1']

export const whoamiProbe = defineProbe({
  id: 'authn.whoami',
  layer: 'authn',
  title: 'The API server accepts the token (who am I)',
  needs: ['authn.token', 'apiserver.readyz'],
  uses: ['cluster.describe', 'dns.system', 'tls.handshake'],
  async run(ctx) {
    const { token } = ctx.need('authn.token')
    const endpoint = endpointOf(ctx) as URL
    const trust = chooseKubeTrust({ caPem: clusterCaOf(ctx)?.pem, bareEndpoint: ctx.target.sources.endpoint === '--endpoint' })
    if (trust.kind === 'none') return { status: 'skip', detail: trust.reason }
    const call = {
      endpoint,
      ip: requestIp(ctx),
      trust,
      token,
      timeoutMs: Math.max(ctx.options.connectTimeoutMs, 5000),
      signal: ctx.signal,
    }
    for (const apiVersion of REVIEW_VERSIONS) {
      const answer = await postKube(ctx.env, call, `/apis/${apiVersion}/selfsubjectreviews`, { apiVersion, kind: 'SelfSubjectReview' })
      if (!answer.ok && UNVERIFIED_CODES.has(answer.code ?? '')) {
        return {
          status: 'fail',
          code: answer.code,
          category: 'tls',
          confirmed: false,
          detail: `the token was not sent: the API server's certificate does not verify against ${describeKubeTrust(trust)} (${answer.message})`,
          evidence: { trust: trust.kind },
        }
      }
      if (!answer.ok) {
        const bySize = unansweredBySize(ctx)
        return { status: 'fail', code: answer.code ?? 'HTTP_UNEXPECTED', category: 'cluster', confirmed: false, detail: `SelfSubjectReview got no answer: ${answer.message}${bySize ? `: ${bySize.why}` : ''}`, ...(bySize ? { explainedBy: bySize.explainedBy } : {}) }
      }
      if (answer.status === 404) continue
      if (answer.status === 401) {
        const status = statusOf(answer.json)
        return {
          status: 'fail',
          code: 'HTTP_401',
          category: 'iam',
          confirmed: false,
          headline: 'the API server answers 401 Unauthorized to the token',
          detail: `the API server refuses the token: 401 ${status.message ?? 'Unauthorized'} (the IAM principal is not mapped to a Kubernetes user, or the token names another cluster)`,
          evidence: { apiVersion, status: 401, message: status.message ?? null },
        }
      }
      if ((answer.status ?? 0) >= 300) {
        return { status: 'fail', code: 'HTTP_UNEXPECTED', category: 'cluster', confirmed: false, detail: `SelfSubjectReview answered ${answer.status}`, evidence: { apiVersion, status: answer.status ?? null } }
      }
      const info = ((answer.json as { status?: { userInfo?: Partial<KubeUser> } })?.status?.userInfo ?? {}) as Partial<KubeUser>
      const user: KubeUser = { username: info.username ?? '', uid: info.uid, groups: info.groups ?? [], extra: info.extra ?? {} }
      return {
        status: 'pass',
        detail: `${user.username} in ${user.groups.join(', ') || 'no group'}`,
        evidence: { apiVersion, username: user.username, uid: user.uid ?? null, groups: user.groups, extraKeys: Object.keys(user.extra) },
        data: user,
      }
    }
    return { status: 'skip', detail: 'the API server offers no SelfSubjectReview (Kubernetes before 1.27): authz.access-review still tells' }
  },
})
