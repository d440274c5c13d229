/**
 * kubeconfig.kubectl — the real kubectl, end to end, with the user's own kubeconfig and
 * credential plugin: `get --raw=/readyz` and `auth whoami`. When eksdoctor's own path works and
 * kubectl's does not, the kubeconfig is what is broken.
 * Evidence: each command's exit code and the first line kubectl printed on stderr.
 * Fix: rewrite the entry with `eksdoctor kubeconfig` (or `aws eks update-kubeconfig`).
 */
import { defineProbe } from '../../engine/types.js'
import { buildRewriteEntryFix } from '../../fixes/kubeconfig.js'

/** Findings about the kubeconfig that make kubectl fail on their own: when one failed, kubectl's failure follows from it. */
const EXPLAINING = ['kubeconfig.shadowed', 'kubeconfig.exec-command', 'kubeconfig.exec-output', 'kubeconfig.exec-profile'] as const

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find(Boolean) ?? ''
}

export const kubectlProbe = defineProbe({
  id: 'kubeconfig.kubectl',
  layer: 'kubeconfig',
  title: 'kubectl itself, with your kubeconfig',
  uses: ['apiserver.readyz', 'apiserver.via-proxy', 'authn.whoami', 'kubeconfig.context', 'cluster.describe'],
  reads: EXPLAINING,
  timeoutMs: 40_000,
  applies: (target) => (target.context || (target.cluster && target.region && target.sources.endpoint !== '--endpoint') ? true : 'no kubeconfig context and no cluster to find one for'),
  async run(ctx) {
    const kubectl = await ctx.env.which('kubectl')
    if (!kubectl) return { status: 'skip', code: 'TOOL_MISSING', detail: 'kubectl not found on PATH' }
    // On a path that already failed kubectl would only wait for its own timeout to fail the same way.
    const path = ctx.result('apiserver.readyz')
    const proxy = ctx.result('apiserver.via-proxy')
    if (path && path.status !== 'pass' && proxy?.status !== 'pass') {
      return { status: 'skip', detail: `not run: the path fails at ${path.skippedBecause ?? path.id}, where kubectl would stop too` }
    }
    if (proxy?.status === 'fail') return { status: 'skip', detail: 'not run: kubectl goes through the proxy that apiserver.via-proxy found broken' }
    // eksdoctor reached the API only by assuming a broken link fixed; kubectl, which cannot, would fail on that link.
    if (path?.assuming?.length) return { status: 'skip', detail: `not run: the path works only ${path.assuming.join('; ')}, and kubectl resolves the name itself` }
    // Without a context in use, the one kubectl would take for this cluster: the current one, else the first found.
    const found = ctx.get('kubeconfig.context') ?? []
    const context = ctx.target.context ?? (found.find((c) => c.current) ?? found[0])?.name
    if (!context) return { status: 'skip', detail: 'no kubeconfig context targets the cluster' }
    const base = [...(ctx.target.kubeconfigFlag ? ['--kubeconfig', ctx.target.kubeconfigFlag] : []), '--context', context, '--request-timeout=10s']
    const bound = { timeoutMs: 20_000, signal: ctx.signal }
    const [readyz, whoami] = await Promise.all([
      ctx.env.exec(kubectl, [...base, 'get', '--raw=/readyz'], bound),
      ctx.env.exec(kubectl, [...base, 'auth', 'whoami', '-o', 'json'], bound),
    ])
    const ran = (r: typeof readyz) => (r.timedOut ? 'timed out after 20 s' : r.exitCode === 0 ? 'ok' : firstLine(r.stderr) || `exit ${r.exitCode}`)
    let username: string | undefined
    try {
      username = (JSON.parse(whoami.stdout) as { status?: { userInfo?: { username?: string } } }).status?.userInfo?.username
    } catch {
      username = undefined
    }
    const evidence = { readyz: ran(readyz), whoami: ran(whoami), username: username ?? null }
    const kubectlOk = readyz.exitCode === 0 && whoami.exitCode === 0
    if (kubectlOk) return { status: 'pass', detail: `kubectl --context ${context}: /readyz ok, whoami ${username ?? 'ok'}`, evidence }
    // kubectl is wrong where eksdoctor, on the same link, is right.
    const readyzOnlyKubectl = readyz.exitCode !== 0 && ctx.result('apiserver.readyz')?.status === 'pass'
    const whoamiOnlyKubectl = whoami.exitCode !== 0 && ctx.result('authn.whoami')?.status === 'pass'
    const failing = readyz.exitCode !== 0 ? `get --raw=/readyz: ${evidence.readyz}` : `auth whoami: ${evidence.whoami}`
    if (!readyzOnlyKubectl && !whoamiOnlyKubectl) {
      if (readyz.exitCode === 0 && /could not find the requested resource|NotFound/i.test(whoami.stderr)) {
        return { status: 'pass', detail: `kubectl --context ${context}: /readyz ok (this server has no SelfSubjectReview for auth whoami)`, evidence }
      }
      return { status: 'skip', detail: `kubectl fails too, as the checks above explain (${failing})`, evidence }
    }
    const cluster = ctx.get('cluster.describe')
    const explainedBy = EXPLAINING.find((id) => ctx.result(id)?.status === 'fail')
    return {
      ...(explainedBy ? { explainedBy } : {}),
      status: 'fail',
      code: 'KUBECONFIG_MISMATCH',
      category: 'kubeconfig',
      detail: `eksdoctor reaches and authenticates to the cluster, but kubectl with context ${context} fails: ${failing}`,
      evidence,
      fixes: [
        buildRewriteEntryFix({
          cluster: cluster?.name ?? ctx.target.cluster,
          region: ctx.target.region,
          profile: ctx.target.exec?.profile ?? ctx.target.profile,
          context,
          why: `kubectl's own path differs from the one eksdoctor checked: ${failing}.`,
        }),
      ],
    }
  },
})
