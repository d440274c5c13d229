/**
 * authz.access-review — what the mapped user may do: SelfSubjectAccessReview for get namespaces,
 * list pods in default, get nodes, and every --can-i "verb resource [-n namespace]".
 * Evidence: each review with allowed/denied and the authorizer's reason; the entry's policies and groups.
 * Fix: associate-access-policy with the right scope, or a (Cluster)RoleBinding for the groups;
 * says when a custom resource is beyond what the managed access policies grant.
 */
import { parsePrincipal } from '../../aws/arn.js'
import { defineProbe, type Fix } from '../../engine/types.js'
import { buildAssociatePolicyFix, buildGroupBindingFix } from '../../fixes/access.js'
import { chooseKubeTrust, postKube } from '../../kube/api-client.js'
import { clusterCaOf, endpointOf, requestIp, unansweredBySize } from '../shared.js'

/** One question for the authorizer. */
export interface AccessQuestion {
  verb: string
  resource: string
  group: string
  namespace?: string
  asked: boolean
  text: string
}

const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'apiextensions.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io', 'admissionregistration.k8s.io', 'certificates.k8s.io', 'scheduling.k8s.io', 'node.k8s.io'])

export const DEFAULT_QUESTIONS: AccessQuestion[] = [
  { verb: 'get', resource: 'namespaces', group: '', asked: false, text: 'get namespaces' },
  { verb: 'list', resource: 'pods', group: '', namespace: 'default', asked: false, text: 'list pods -n default' },
  { verb: 'get', resource: 'nodes', group: '', asked: false, text: 'get nodes' },
]

/** "list deployments.apps -n shop" → verb, resource, group, namespace. */
export function parseCanI(text: string): AccessQuestion | undefined {
  const words = text.trim().split(/\s+/)
  const [verb, target, ...rest] = words
  if (!verb || !target) return undefined
  let namespace: string | undefined
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as string
    if (word === '-n' || word === '--namespace') namespace = rest[++i]
    else if (word.startsWith('--namespace=')) namespace = word.slice('--namespace='.length)
    else return undefined
  }
  const [resource, ...groupParts] = target.split('.')
  return { verb, resource: resource ?? target, group: groupParts.join('.'), namespace, asked: true, text: text.trim() }
}

export const accessReviewProbe = defineProbe({
  id: 'authz.access-review',
  layer: 'authz',
  title: 'What the user may do (access reviews)',
  needs: ['authn.token', 'apiserver.readyz'],
  uses: ['authn.whoami', 'authn.access-entry', 'credentials.identity', 'cluster.describe', 'dns.system', 'tls.handshake'],
  async run(ctx) {
    const whoami = ctx.result('authn.whoami')
    if (whoami?.status === 'fail') return { status: 'skip', detail: 'not run: authn.whoami failed' }
    const { token } = ctx.need('authn.token')
    const trust = chooseKubeTrust({ caPem: clusterCaOf(ctx)?.pem, bareEndpoint: ctx.target.sources.endpoint === '--endpoint' })
    if (trust.kind === 'none') return { status: 'skip', detail: trust.reason }
    const asked = ctx.target.canI.map((text) => ({ text, parsed: parseCanI(text) }))
    const unreadable = asked.filter((a) => !a.parsed).map((a) => a.text)
    const questions = [...DEFAULT_QUESTIONS, ...asked.flatMap((a) => (a.parsed ? [a.parsed] : []))]
    const call = {
      endpoint: endpointOf(ctx) as URL,
      ip: requestIp(ctx),
      trust,
      token,
      timeoutMs: Math.max(ctx.options.connectTimeoutMs, 5000),
      signal: ctx.signal,
    }
    const answers = await Promise.all(
      questions.map(async (q) => {
        const answer = await postKube(ctx.env, call, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { verb: q.verb, resource: q.resource, group: q.group, ...(q.namespace ? { namespace: q.namespace } : {}) } },
        })
        const status = (answer.json as { status?: { allowed?: boolean; reason?: string; evaluationError?: string } })?.status
        return { q, answered: answer.ok, code: answer.code, message: answer.message, http: answer.status, allowed: answer.ok && answer.status !== undefined && answer.status < 300 && status?.allowed === true, reason: status?.reason ?? status?.evaluationError }
      }),
    )
    // No answer is no verdict on access: a denial is only what the authorizer says.
    const unanswered = answers.find((a) => !a.answered)
    if (unanswered) {
      const bySize = unansweredBySize(ctx)
      return {
        status: 'fail',
        code: unanswered.code ?? 'HTTP_UNEXPECTED',
        category: 'cluster',
        confirmed: false,
        detail: `SelfSubjectAccessReview got no answer: ${unanswered.message}${bySize ? `: ${bySize.why}` : ''}`,
        ...(bySize ? { explainedBy: bySize.explainedBy } : {}),
      }
    }
    if (answers.every((a) => a.http === 404)) return { status: 'skip', detail: 'the API server offers no SelfSubjectAccessReview' }
    const evidence = {
      reviews: answers.map((a) => ({ question: a.q.text, allowed: a.allowed, reason: a.reason ?? null, http: a.http ?? null })),
      unparsed: unreadable,
    }
    const denied = answers.filter((a) => !a.allowed)
    const askedDenied = denied.filter((a) => a.q.asked)
    const allDefaultsDenied = answers.filter((a) => !a.q.asked).every((a) => !a.allowed)
    if (denied.length === 0) return { status: 'pass', detail: `allowed: ${answers.map((a) => a.q.text).join('; ')}`, evidence }
    const deniedText = denied.map((a) => a.q.text).join('; ')
    if (askedDenied.length === 0 && !allDefaultsDenied) {
      return { status: 'warn', detail: `allowed: ${answers.filter((a) => a.allowed).map((a) => a.q.text).join('; ')}; denied: ${deniedText}`, evidence }
    }
    const access = ctx.get('authn.access-entry')
    const identity = ctx.get('credentials.identity')
    const cluster = ctx.get('cluster.describe')
    const groups = access?.entry?.kubernetesGroups ?? []
    const policies = access?.entry?.policies ?? []
    const first = (askedDenied[0] ?? denied[0])!.q
    const crd = denied.some((a) => !BUILTIN_GROUPS.has(a.q.group))
    const fixes: Fix[] = []
    if (cluster && access?.principalArn && identity) {
      if (groups.length > 0) fixes.push(buildGroupBindingFix(groups, first.verb, first.group ? `${first.resource}.${first.group}` : first.resource, first.namespace))
      if (!crd || policies.length === 0) {
        fixes.push(buildAssociatePolicyFix({ cluster: cluster.name, region: ctx.target.region ?? '', principalArn: access.principalArn, partition: parsePrincipal(identity.arn).partition, namespace: askedDenied.every((a) => a.q.namespace) ? first.namespace : undefined }))
      }
    }
    const mapping = access?.entry
      ? `its access entry has ${policies.length ? `the policies ${policies.map((p) => `${p.policyArn.split('/').pop()} (${p.scope}${p.namespaces.length ? `: ${p.namespaces.join(', ')}` : ''})`).join(', ')}` : 'no access policy'} and ${groups.length ? `the groups ${groups.join(', ')}` : 'no kubernetesGroups'}`
      : 'the mapping is not readable here'
    const crdNote = crd ? '; custom resources are beyond the managed access policies except AmazonEKSClusterAdminPolicy: grant them with RBAC for the entry\'s groups' : ''
    return {
      status: 'fail',
      code: 'HTTP_403',
      category: 'rbac',
      detail: `${whoami?.detail?.split(' in ')[0] ?? 'the user'} is authenticated but may not ${deniedText}; ${mapping}${crdNote}`,
      evidence: { ...evidence, kubernetesGroups: groups, policies: policies.map((p) => p.policyArn) },
      fixes,
    }
  },
})
