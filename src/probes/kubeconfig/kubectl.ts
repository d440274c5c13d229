/**
 * kubeconfig.kubectl — the real kubectl, end to end, with the user's own kubeconfig and
 * credential plugin: `get --raw=/readyz` and `auth whoami`. When eksdoctor's own path works and
 * kubectl's does not, the kubeconfig is what is broken.
 * Evidence: each command's exit code and the first line kubectl printed on stderr.
 * Fix: rewrite the entry with `eksdoctor kubeconfig` (or `aws eks update-kubeconfig`).
 */
import { defineProbe } from '../../engine/types.js'
import { buildRewriteEntryFix } from '../../fixes/kubeconfig.js'

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find(Boolean) ?? ''
}

export const kubectlProbe = defineProbe({
  id: 'kubeconfig.kubectl',
  layer: 'kubeconfig',
  title: 'kubectl itself, with your kubeconfig',
  uses: ['apiserver.readyz', 'apiserver.via-proxy', 'authn.whoami', 'kubeconfig.context', 'cluster.describe'],
  timeoutMs: 40_000,
  applies: (target) => (target.context ? true : 'no kubeconfig context in use'),
  async run(ctx) {
    const kubectl = await ctx.env.which('kubectl')
    if (!kubectl) return { status: 'skip', code: 'TOOL_MISSING', detail: 'kubectl not found on PATH' }
    // On a path that already failed kubectl would only wait for its own timeout to fail the same way.
    const path = ctx.result('apiserver.readyz')
    if (path && path.status !== 'pass' && ctx.result('apiserver.via-proxy')?.status !== 'pass') {
      return { status: 'skip', detail: `not run: the path fails at ${path.skippedBecause ?? path.id}, where kubectl would stop too` }
    }
    const base = [...(ctx.target.kubeconfigFlag ? ['--kubeconfig', ctx.target.kubeconfigFlag] : []), '--context', ctx.target.context as string, '--request-timeout=10s']
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
    if (kubectlOk) return { status: 'pass', detail: `kubectl --context ${ctx.target.context}: /readyz ok, whoami ${username ?? 'ok'}`, evidence }
    // kubectl is wrong where eksdoctor, on the same link, is right.
    const readyzOnlyKubectl = readyz.exitCode !== 0 && ctx.result('apiserver.readyz')?.status === 'pass'
    const whoamiOnlyKubectl = whoami.exitCode !== 0 && ctx.result('authn.whoami')?.status === 'pass'
    const failing = readyz.exitCode !== 0 ? `get --raw=/readyz: ${evidence.readyz}` : `auth whoami: ${evidence.whoami}`
    if (!readyzOnlyKubectl && !whoamiOnlyKubectl) {
      if (readyz.exitCode === 0 && /could not find the requested resource|NotFound/i.test(whoami.stderr)) {
        return { status: 'pass', detail: `kubectl --context ${ctx.target.context}: /readyz ok (this server has no SelfSubjectReview for auth whoami)`, evidence }
      }
      return { status: 'skip', detail: `kubectl fails too, as the checks above explain (${failing})`, evidence }
    }
    const cluster = ctx.get('cluster.describe')
    return {
      status: 'fail',
      code: 'KUBECONFIG_MISMATCH',
      category: 'kubeconfig',
      detail: `eksdoctor reaches and authenticates to the cluster, but kubectl with context ${ctx.target.context} fails: ${failing}`,
      evidence,
      fixes: [
        buildRewriteEntryFix({
          cluster: cluster?.name ?? ctx.target.cluster,
          region: ctx.target.region,
          profile: ctx.target.exec?.profile ?? ctx.target.profile,
          context: ctx.target.context,
          why: `kubectl's own path differs from the one eksdoctor checked: ${failing}.`,
        }),
      ],
    }
  },
})
