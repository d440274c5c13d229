import { describe, expect, it } from 'vitest'
import { collectFixes, deriveVerdict, exitCodeFor } from '../../../src/engine/verdict.js'
import type { Category, CheckResult, Fix, ProbeId, Status, Verdict } from '../../../src/engine/types.js'

/** A finished check; the layer is the first part of the id. */
function check(id: ProbeId, status: Status, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    layer: id.split('.')[0] as CheckResult['layer'],
    status,
    title: id,
    detail: `${id} is ${status}`,
    evidence: {},
    durationMs: 1,
    ...extra,
  }
}

function fix(title: string, commands: string[], category: Category = 'routing'): Fix {
  return { category, title, why: `because ${title}`, commands }
}

const GOALS: ProbeId[] = ['apiserver.readyz']

describe('deriveVerdict: the root cause', () => {
  const cases: { name: string; checks: CheckResult[]; rootCause: ProbeId; category: Verdict['category']; exit: number }[] = [
    {
      name: 'the earliest failure in path order wins over a later one',
      checks: [
        check('dns.system', 'pass'),
        check('routing.local-route', 'fail', { detail: 'leaves via eth0' }),
        check('network.tcp-connect', 'fail', { category: 'security-group' }),
        check('apiserver.readyz', 'skip', { skippedBecause: 'routing.local-route' }),
      ],
      rootCause: 'routing.local-route',
      category: 'routing',
      exit: 21,
    },
    {
      name: 'array order, not completion time or alphabet, decides',
      checks: [check('tls.handshake', 'fail', { durationMs: 900 }), check('apiserver.readyz', 'fail', { durationMs: 1 })],
      rootCause: 'tls.handshake',
      category: 'tls',
      exit: 23,
    },
    {
      name: 'the check category overrides the layer default',
      checks: [check('network.tcp-connect', 'fail', { category: 'security-group' }), check('apiserver.readyz', 'skip')],
      rootCause: 'network.tcp-connect',
      category: 'security-group',
      exit: 22,
    },
    {
      name: 'without a category the layer default applies (network → routing)',
      checks: [check('network.tcp-connect', 'fail'), check('apiserver.readyz', 'skip')],
      rootCause: 'network.tcp-connect',
      category: 'routing',
      exit: 21,
    },
    {
      name: 'a crashed probe is an unexpected error, whatever its layer',
      checks: [check('dns.system', 'fail', { code: 'PROBE_CRASHED', category: 'dns' }), check('apiserver.readyz', 'skip')],
      rootCause: 'dns.system',
      category: 'unexpected',
      exit: 1,
    },
    {
      name: 'a probe that ran out of time is an unexpected error',
      checks: [check('routing.local-route', 'fail', { code: 'TIMEOUT' }), check('apiserver.readyz', 'skip')],
      rootCause: 'routing.local-route',
      category: 'unexpected',
      exit: 1,
    },
  ]

  it.each(cases)('$name', ({ checks, rootCause, category, exit }) => {
    const verdict = deriveVerdict(checks, GOALS)
    expect(verdict.status).toBe('fail')
    expect(verdict.rootCause).toBe(rootCause)
    expect(verdict.category).toBe(category)
    expect(verdict.summary).toBe(checks.find((c) => c.id === rootCause)?.detail)
    expect(exitCodeFor(verdict)).toBe(exit)
  })

  it('a crash is never confirmed, even when the check says so', () => {
    const verdict = deriveVerdict([check('tls.handshake', 'fail', { code: 'PROBE_CRASHED', confirmed: true })], GOALS)
    expect(verdict.confirmed).toBe(false)
  })
})

describe('deriveVerdict: confirmed and alternatives', () => {
  it('a fail is confirmed by default, with no alternatives', () => {
    const verdict = deriveVerdict([check('dns.system', 'fail', { code: 'DNS_NXDOMAIN' })], GOALS)
    expect(verdict).toMatchObject({ confirmed: true, alternatives: [] })
  })

  it('honours confirmed: false and carries the alternatives', () => {
    const alternatives = [
      { category: 'routing' as const, summary: 'a route table lacks the route back' },
      { category: 'routing' as const, summary: 'the VPN router does not forward' },
    ]
    const verdict = deriveVerdict(
      [check('network.tcp-connect', 'fail', { category: 'security-group', confirmed: false, alternatives }), check('apiserver.readyz', 'skip')],
      GOALS,
    )
    expect(verdict).toMatchObject({ status: 'fail', category: 'security-group', confirmed: false, alternatives })
  })
})

describe('deriveVerdict: no failure', () => {
  it('is ok, exit 0, when a goal passed and nothing warned', () => {
    const verdict = deriveVerdict([check('dns.system', 'pass'), check('tls.handshake', 'pass'), check('apiserver.readyz', 'pass')], GOALS)
    expect(verdict).toMatchObject({ status: 'ok', category: 'ok', confirmed: true })
    expect(verdict.rootCause).toBeUndefined()
    expect(verdict.summary).toContain('3 checks passed')
    expect(exitCodeFor(verdict)).toBe(0)
  })

  it('is warn, still exit 0, when any check warned', () => {
    const verdict = deriveVerdict(
      [
        check('env.proxy', 'warn', { detail: 'HTTPS_PROXY is set.' }),
        check('cluster.endpoint-access', 'warn', { detail: 'the public endpoint is on.' }),
        check('apiserver.readyz', 'pass'),
      ],
      GOALS,
    )
    expect(verdict).toMatchObject({ status: 'warn', category: 'ok' })
    expect(verdict.summary).toContain('2 warnings')
    expect(verdict.summary).toContain('HTTPS_PROXY is set.')
    expect(verdict.summary).toContain('the public endpoint is on.')
    expect(exitCodeFor(verdict)).toBe(0)
  })

  it('is inconclusive, exit 3, when every goal was skipped', () => {
    const verdict = deriveVerdict(
      [
        check('env.tools', 'pass'),
        check('dns.system', 'skip', { detail: 'no endpoint known' }),
        check('routing.local-route', 'skip', { skippedBecause: 'dns.system' }),
        check('apiserver.readyz', 'skip', { detail: 'not run: dns.system was skipped', skippedBecause: 'dns.system' }),
      ],
      GOALS,
    )
    expect(verdict).toMatchObject({ status: 'inconclusive', category: 'inconclusive', confirmed: false })
    expect(verdict.rootCause).toBeUndefined()
    expect(exitCodeFor(verdict)).toBe(3)
  })

  it('is inconclusive when several goals were all skipped, and ok when one of them passed', () => {
    const goals: ProbeId[] = ['routing.tailscale', 'routing.vpn-peer']
    expect(deriveVerdict([check('routing.tailscale', 'skip'), check('routing.vpn-peer', 'skip')], goals).status).toBe('inconclusive')
    expect(deriveVerdict([check('routing.tailscale', 'pass'), check('routing.vpn-peer', 'skip')], goals).status).toBe('ok')
  })
})

describe('exitCodeFor: the table of design.md', () => {
  const table: [Category, number][] = [
    ['credentials', 10],
    ['cluster', 11],
    ['kubeconfig', 12],
    ['proxy', 13],
    ['dns', 20],
    ['routing', 21],
    ['security-group', 22],
    ['tls', 23],
    ['iam', 30],
    ['rbac', 31],
  ]

  it.each(table)('a %s root cause exits %i', (category, exit) => {
    const verdict = deriveVerdict([check('network.tcp-connect', 'fail', { category })], GOALS)
    expect(verdict.category).toBe(category)
    expect(exitCodeFor(verdict)).toBe(exit)
  })

  const layerDefaults: [ProbeId, Category, number][] = [
    ['env.proxy', 'proxy', 13],
    ['credentials.identity', 'credentials', 10],
    ['cluster.describe', 'cluster', 11],
    ['dns.system', 'dns', 20],
    ['routing.local-route', 'routing', 21],
    ['network.security-group', 'routing', 21],
    ['tls.handshake', 'tls', 23],
    ['apiserver.readyz', 'cluster', 11],
    ['authn.token-review', 'iam', 30],
    ['authz.access-review', 'rbac', 31],
    ['kubeconfig.context', 'kubeconfig', 12],
  ]

  it.each(layerDefaults)('a %s failure without a category is %s, exit %i', (id, category, exit) => {
    const verdict = deriveVerdict([check(id, 'fail')], GOALS)
    expect(verdict.category).toBe(category)
    expect(exitCodeFor(verdict)).toBe(exit)
  })

  it('ok exits 0, unexpected 1, inconclusive 3', () => {
    const base = { confirmed: true, alternatives: [], further: [], summary: '' }
    expect(exitCodeFor({ ...base, status: 'ok', category: 'ok' })).toBe(0)
    expect(exitCodeFor({ ...base, status: 'fail', category: 'unexpected' })).toBe(1)
    expect(exitCodeFor({ ...base, status: 'inconclusive', category: 'inconclusive' })).toBe(3)
  })
})

describe('collectFixes', () => {
  const sgFix = fix('Allow 443 from the VPN CIDR', ['aws ec2 authorize-security-group-ingress --group-id sg-0abc --port 443'], 'security-group')
  const settle = fix('Let eksdoctor read the AWS side', ['eksdoctor check --cluster c1'], 'security-group')
  const proxyFix = fix('Send the endpoint direct', ['export NO_PROXY=.eks.amazonaws.com'], 'proxy')
  const publicFix = fix('Turn off the public endpoint', ['aws eks update-cluster-config --name c1'], 'cluster')

  it('puts the root cause fixes first, then those of warnings, in check order', () => {
    const checks = [
      check('env.proxy', 'warn', { fixes: [proxyFix] }),
      check('cluster.endpoint-access', 'warn', { fixes: [publicFix] }),
      check('network.tcp-connect', 'fail', { category: 'security-group', fixes: [sgFix, settle] }),
    ]
    const verdict = deriveVerdict(checks, GOALS)
    expect(collectFixes(checks, verdict)).toEqual([sgFix, settle, proxyFix, publicFix])
  })

  it('gives the root cause\'s fixes, then each further broken link\'s, and none of passing or skipped checks', () => {
    const checks = [
      check('dns.system', 'pass', { fixes: [fix('pass fix', ['a'])] }),
      check('routing.local-route', 'fail', { fixes: [fix('root fix', ['b'])] }),
      check('network.tcp-connect', 'fail', { fixes: [fix('later failure fix', ['c'])] }),
      check('tls.handshake', 'skip', { fixes: [fix('skip fix', ['d'])] }),
    ]
    const verdict = deriveVerdict(checks, GOALS)
    expect(verdict.further.map((f) => f.rootCause)).toEqual(['network.tcp-connect'])
    expect(collectFixes(checks, verdict).map((f) => f.title)).toEqual(['root fix', 'later failure fix'])
  })

  it('drops duplicates (same title and commands), keeping the first', () => {
    const again = { ...settle, why: 'said again by a warning' }
    const checks = [
      check('network.tcp-connect', 'fail', { fixes: [settle] }),
      check('tls.handshake', 'warn', { fixes: [again, proxyFix] }),
      check('apiserver.readyz', 'warn', { fixes: [proxyFix] }),
    ]
    const verdict = deriveVerdict(checks, GOALS)
    expect(collectFixes(checks, verdict)).toEqual([settle, proxyFix])
  })

  it('keeps fixes with the same title but different commands', () => {
    const a = fix('Refresh the cluster CA', ['aws eks update-kubeconfig --name one'])
    const b = fix('Refresh the cluster CA', ['aws eks update-kubeconfig --name two'])
    const checks = [check('tls.handshake', 'fail', { fixes: [a] }), check('apiserver.readyz', 'warn', { fixes: [b] })]
    expect(collectFixes(checks, deriveVerdict(checks, GOALS))).toEqual([a, b])
  })

  it('gives the warnings fixes when there is no root cause', () => {
    const checks = [check('env.proxy', 'warn', { fixes: [proxyFix] }), check('apiserver.readyz', 'pass')]
    const verdict = deriveVerdict(checks, GOALS)
    expect(verdict.status).toBe('warn')
    expect(collectFixes(checks, verdict)).toEqual([proxyFix])
  })
})
