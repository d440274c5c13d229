/**
 * `refines`: a later failed check that explains an earlier symptom (the security group that drops
 * the SYN behind a TCP timeout) becomes the root cause. Pure table tests, no I/O.
 */
import { describe, expect, it } from 'vitest'
import type { Alternative, CheckResult, Fix, FurtherLink, ProbeId, Status, Verdict } from '../../../src/engine/types.js'
import { collectFixes, deriveVerdict, exitCodeFor } from '../../../src/engine/verdict.js'

function check(id: ProbeId, status: Status, extra: Partial<CheckResult> = {}): CheckResult {
  return { id, layer: id.split('.')[0] as CheckResult['layer'], status, title: id, detail: `${id} is ${status}`, evidence: {}, durationMs: 1, ...extra }
}

const GOALS: ProbeId[] = ['apiserver.readyz']

const TCP_ALTERNATIVES: Alternative[] = [{ category: 'routing', summary: 'a route table or the VPN router drops it' }]
const FORWARDING_ALTERNATIVES: Alternative[] = [
  { category: 'routing', summary: 'SNAT is off on the subnet router' },
  { category: 'routing', summary: "IP forwarding is off in the router's kernel" },
]

const sgFix: Fix = {
  category: 'security-group',
  title: 'Allow TCP 443 from 172.31.0.0/16 in sg-0abc1234',
  why: 'no rule',
  commands: ['aws ec2 authorize-security-group-ingress --group-id sg-0abc1234 --protocol tcp --port 443 --cidr 172.31.0.0/16 --region ap-northeast-2'],
}
const routeFix: Fix = {
  category: 'routing',
  title: 'Repair the route to 10.99.0.0/16 in rtb-3743723f8369dce27',
  why: 'blackhole',
  commands: ['aws ec2 replace-route --route-table-id rtb-3743723f8369dce27 --destination-cidr-block 10.99.0.0/16 --vpc-peering-connection-id pcx-44c41607739829a5c --region eu-west-1'],
}
const tcpFix: Fix = { category: 'security-group', title: 'Read the AWS side', why: 'to settle it', commands: ['eksdoctor audit --cluster eks-secure-infra-dev --region ap-northeast-2'] }
const dnsWarnFix: Fix = {
  category: 'dns',
  title: 'Allow DNS resolution across pcx-54e030c6cc322fa80 in both directions',
  why: 'dns',
  commands: ['aws ec2 modify-vpc-peering-connection-options --vpc-peering-connection-id pcx-54e030c6cc322fa80 --region ap-northeast-2'],
}

/** The TCP timeout as network.tcp-connect reports it: a symptom with a short headline. */
function tcpTimeout(extra: Partial<CheckResult> = {}): CheckResult {
  return check('network.tcp-connect', 'fail', {
    code: 'TCP_TIMEOUT',
    category: 'security-group',
    confirmed: false,
    alternatives: TCP_ALTERNATIVES,
    headline: 'TCP 443 to 10.0.10.239 times out',
    detail: 'TCP to 10.0.10.239:443 times out after 2000 ms through tailscale0: most likely a security group, not confirmed',
    fixes: [tcpFix],
    ...extra,
  })
}

interface Case {
  name: string
  checks: CheckResult[]
  rootCause: ProbeId
  category: Verdict['category']
  confirmed: boolean
  alternatives: Alternative[]
  summary: string
  exit: number
  /** The other broken links (none unless given). */
  further?: FurtherLink[]
}

const cases: Case[] = [
  {
    name: 'the security group that has no rule becomes the confirmed root cause of the timeout',
    checks: [
      check('dns.system', 'pass'),
      tcpTimeout(),
      check('network.source-cidr', 'pass'),
      check('network.security-group', 'fail', {
        code: 'SG_NO_RULE',
        category: 'security-group',
        refines: 'network.tcp-connect',
        confirmed: true,
        detail: 'sg-0abc1234 has no ingress for TCP 443 from 172.31.0.0/16',
        fixes: [sgFix],
      }),
      check('apiserver.readyz', 'skip', { skippedBecause: 'network.tcp-connect' }),
    ],
    rootCause: 'network.security-group',
    category: 'security-group',
    confirmed: true,
    alternatives: [],
    summary: 'TCP 443 to 10.0.10.239 times out; sg-0abc1234 has no ingress for TCP 443 from 172.31.0.0/16',
    exit: 22,
  },
  {
    name: 'a blackhole route refines the timeout into a confirmed routing cause',
    checks: [
      tcpTimeout({ headline: 'TCP 443 to 10.20.1.87 times out' }),
      check('network.route-tables', 'fail', {
        code: 'ROUTE_BLACKHOLE',
        category: 'routing',
        refines: 'network.tcp-connect',
        confirmed: true,
        detail: 'rtb-3743723f8369dce27 of subnet-f61b1bffe218eea85 sends 10.99.0.0/16 into a blackhole',
        fixes: [routeFix],
      }),
    ],
    rootCause: 'network.route-tables',
    category: 'routing',
    confirmed: true,
    alternatives: [],
    summary: 'TCP 443 to 10.20.1.87 times out; rtb-3743723f8369dce27 of subnet-f61b1bffe218eea85 sends 10.99.0.0/16 into a blackhole',
    exit: 21,
  },
  {
    name: 'an unconfirmed refiner keeps its own confidence and alternatives',
    checks: [
      tcpTimeout(),
      check('network.security-group', 'pass'),
      check('network.vpn-forwarding', 'fail', {
        code: 'VPN_NOT_FORWARDING',
        category: 'routing',
        refines: 'network.tcp-connect',
        confirmed: false,
        alternatives: FORWARDING_ALTERNATIVES,
        detail: 'the AWS side is in order: the VPN router does not forward or does not source-NAT',
      }),
    ],
    rootCause: 'network.vpn-forwarding',
    category: 'routing',
    confirmed: false,
    alternatives: FORWARDING_ALTERNATIVES,
    summary: 'TCP 443 to 10.0.10.239 times out; the AWS side is in order: the VPN router does not forward or does not source-NAT',
    exit: 21,
  },
  {
    name: 'a symptom without a headline lends its detail to the summary',
    checks: [
      tcpTimeout({ headline: undefined, detail: 'TCP to 172.20.3.4:443 times out' }),
      check('network.nacl', 'fail', { code: 'NACL_DENY', category: 'security-group', refines: 'network.tcp-connect', detail: 'acl-114e9840a04ce24c4 denies by rule 50 TCP 443 in from 172.31.0.0/16' }),
    ],
    rootCause: 'network.nacl',
    category: 'security-group',
    // confirmed is not set on the refiner: a fail is confirmed by default.
    confirmed: true,
    alternatives: [],
    summary: 'TCP to 172.20.3.4:443 times out; acl-114e9840a04ce24c4 denies by rule 50 TCP 443 in from 172.31.0.0/16',
    exit: 22,
  },
  {
    name: 'of two refiners, the first in path order is the cause and the other a further link',
    checks: [
      tcpTimeout(),
      check('network.peering', 'fail', { code: 'PEERING_NOT_ACTIVE', category: 'routing', refines: 'network.tcp-connect', detail: 'the peering pcx-54e030c6cc322fa80 is deleted' }),
      check('network.security-group', 'fail', { code: 'SG_NO_RULE', category: 'security-group', refines: 'network.tcp-connect', detail: 'sg-0abc1234 has no ingress' }),
    ],
    rootCause: 'network.peering',
    category: 'routing',
    confirmed: true,
    alternatives: [],
    summary: 'TCP 443 to 10.0.10.239 times out; the peering pcx-54e030c6cc322fa80 is deleted',
    further: [{ rootCause: 'network.security-group', category: 'security-group', confirmed: true, summary: 'sg-0abc1234 has no ingress' }],
    exit: 21,
  },
  {
    name: 'a failed check that refines something else is no cause of that symptom, but a broken link of its own',
    checks: [
      tcpTimeout(),
      check('network.security-group', 'fail', { code: 'SG_NO_RULE', category: 'security-group', refines: 'tls.handshake', detail: 'sg-0abc1234 has no ingress' }),
    ],
    rootCause: 'network.tcp-connect',
    category: 'security-group',
    confirmed: false,
    alternatives: TCP_ALTERNATIVES,
    summary: 'TCP to 10.0.10.239:443 times out after 2000 ms through tailscale0: most likely a security group, not confirmed',
    further: [{ rootCause: 'network.security-group', category: 'security-group', confirmed: true, summary: 'sg-0abc1234 has no ingress' }],
    exit: 22,
  },
  {
    name: 'a refiner of the TCP symptom does not displace an earlier root cause, and is a further link',
    checks: [
      check('dns.system', 'fail', { code: 'DNS_PUBLIC_ANSWER', category: 'dns', detail: 'the endpoint resolves to public addresses', headline: 'public answer' }),
      check('network.tcp-connect', 'skip', { skippedBecause: 'dns.system' }),
      check('network.security-group', 'fail', { code: 'SG_NO_RULE', category: 'security-group', refines: 'network.tcp-connect', detail: 'sg-0abc1234 has no ingress' }),
    ],
    rootCause: 'dns.system',
    category: 'dns',
    confirmed: true,
    alternatives: [],
    summary: 'the endpoint resolves to public addresses',
    further: [{ rootCause: 'network.security-group', category: 'security-group', confirmed: true, summary: 'sg-0abc1234 has no ingress' }],
    exit: 20,
  },
  {
    name: 'a crashed refiner is ignored; the symptom stays the root cause',
    checks: [
      tcpTimeout(),
      check('network.security-group', 'fail', { code: 'PROBE_CRASHED', refines: 'network.tcp-connect', detail: 'TypeError: boom' }),
    ],
    rootCause: 'network.tcp-connect',
    category: 'security-group',
    confirmed: false,
    alternatives: TCP_ALTERNATIVES,
    summary: 'TCP to 10.0.10.239:443 times out after 2000 ms through tailscale0: most likely a security group, not confirmed',
    exit: 22,
  },
  {
    name: 'a refiner that ran out of time is ignored',
    checks: [tcpTimeout(), check('network.route-tables', 'fail', { code: 'TIMEOUT', refines: 'network.tcp-connect', detail: 'did not finish in 20000 ms' })],
    rootCause: 'network.tcp-connect',
    category: 'security-group',
    confirmed: false,
    alternatives: TCP_ALTERNATIVES,
    summary: 'TCP to 10.0.10.239:443 times out after 2000 ms through tailscale0: most likely a security group, not confirmed',
    exit: 22,
  },
  {
    name: 'a crashed refiner before a real one: the real one is the cause',
    checks: [
      tcpTimeout(),
      check('network.peering', 'fail', { code: 'PROBE_CRASHED', refines: 'network.tcp-connect', detail: 'TypeError: boom' }),
      check('network.security-group', 'fail', { code: 'SG_NO_RULE', category: 'security-group', refines: 'network.tcp-connect', detail: 'sg-0abc1234 has no ingress' }),
    ],
    rootCause: 'network.security-group',
    category: 'security-group',
    confirmed: true,
    alternatives: [],
    summary: 'TCP 443 to 10.0.10.239 times out; sg-0abc1234 has no ingress',
    exit: 22,
  },
  {
    name: 'a warning or a pass that names a symptom refines nothing',
    checks: [
      tcpTimeout(),
      check('network.peering', 'warn', { code: 'PEERING_DNS_OFF', refines: 'network.tcp-connect', detail: 'pcx is active but DNS is off' }),
      check('network.security-group', 'pass', { refines: 'network.tcp-connect' }),
    ],
    rootCause: 'network.tcp-connect',
    category: 'security-group',
    confirmed: false,
    alternatives: TCP_ALTERNATIVES,
    summary: 'TCP to 10.0.10.239:443 times out after 2000 ms through tailscale0: most likely a security group, not confirmed',
    exit: 22,
  },
]

describe('deriveVerdict with refines', () => {
  it.each(cases)('$name', ({ checks, rootCause, category, confirmed, alternatives, summary, exit, further = [] }) => {
    const verdict = deriveVerdict(checks, GOALS)
    expect(verdict).toEqual({ status: 'fail', category, rootCause, confirmed, alternatives, further, summary })
    expect(exitCodeFor(verdict)).toBe(exit)
  })
})

describe('deriveVerdict: every broken link', () => {
  it('a wrong DNS answer and a missing security group rule: the first is the verdict, the second a further link with its own fix', () => {
    const checks = [
      check('dns.system', 'fail', { code: 'DNS_STALE_ANSWER', category: 'dns', detail: 'the name resolves to 10.0.99.1, not an endpoint ENI', assumption: 'with the ENI IPs from AWS', fixes: [dnsWarnFix] }),
      tcpTimeout({ assuming: ['with the ENI IPs from AWS'] }),
      check('network.security-group', 'fail', { code: 'SG_NO_RULE', category: 'security-group', refines: 'network.tcp-connect', detail: 'sg-0abc1234 has no ingress', fixes: [sgFix] }),
      check('tls.handshake', 'skip', { skippedBecause: 'network.tcp-connect' }),
    ]
    const verdict = deriveVerdict(checks, GOALS)
    expect(verdict).toMatchObject({ status: 'fail', category: 'dns', rootCause: 'dns.system', confirmed: true })
    expect(verdict.further).toEqual([{ rootCause: 'network.security-group', category: 'security-group', confirmed: true, summary: 'TCP 443 to 10.0.10.239 times out; sg-0abc1234 has no ingress' }])
    expect(exitCodeFor(verdict)).toBe(20)
    expect(collectFixes(checks, verdict)).toEqual([dnsWarnFix, sgFix])
  })

  it('a failure that follows from an earlier one is not a link of its own; what it would refine stands alone', () => {
    const checks = [
      check('routing.local-route', 'fail', { code: 'ROUTE_NOT_VPN', category: 'routing', detail: '10.0.10.239 leaves through en0, not a VPN' }),
      tcpTimeout({ explainedBy: 'routing.local-route' }),
      check('network.security-group', 'fail', { code: 'SG_NO_RULE', category: 'security-group', detail: 'sg-0abc1234 has no ingress' }),
    ]
    const verdict = deriveVerdict(checks, GOALS)
    expect(verdict.rootCause).toBe('routing.local-route')
    expect(verdict.further).toEqual([{ rootCause: 'network.security-group', category: 'security-group', confirmed: true, summary: 'sg-0abc1234 has no ingress' }])
  })

  it('a crash is no further link', () => {
    const checks = [check('dns.system', 'fail', { code: 'DNS_NXDOMAIN', category: 'dns' }), check('authn.whoami', 'fail', { code: 'PROBE_CRASHED' })]
    expect(deriveVerdict(checks, GOALS).further).toEqual([])
  })
})

describe('collectFixes after a refined verdict', () => {
  it("uses the refiner's fixes, not the symptom's, then the warnings'", () => {
    const checks = [
      tcpTimeout(),
      check('network.peering', 'warn', { code: 'PEERING_DNS_OFF', fixes: [dnsWarnFix] }),
      check('network.security-group', 'fail', { code: 'SG_NO_RULE', category: 'security-group', refines: 'network.tcp-connect', detail: 'no rule', fixes: [sgFix] }),
    ]
    const verdict = deriveVerdict(checks, GOALS)
    expect(collectFixes(checks, verdict)).toEqual([sgFix, dnsWarnFix])
  })

  it("keeps the symptom's fixes when the refiner is ignored", () => {
    const checks = [tcpTimeout(), check('network.security-group', 'fail', { code: 'PROBE_CRASHED', refines: 'network.tcp-connect', fixes: [sgFix] })]
    const verdict = deriveVerdict(checks, GOALS)
    expect(collectFixes(checks, verdict)).toEqual([tcpFix])
  })

  it('a refiner with several fixes gives them all, once each', () => {
    const checks = [
      tcpTimeout(),
      check('network.route-tables', 'fail', { code: 'ROUTE_MISSING', category: 'routing', refines: 'network.tcp-connect', fixes: [routeFix, routeFix, sgFix] }),
    ]
    expect(collectFixes(checks, deriveVerdict(checks, GOALS))).toEqual([routeFix, sgFix])
  })

  it('a warning that names the same commands as the root cause, under its own title, adds nothing', () => {
    const same = { ...routeFix, title: 'the same commands, another title', why: 'said by a warning' }
    const checks = [
      tcpTimeout(),
      check('network.peering', 'warn', { code: 'PEERING_DNS_OFF', fixes: [same] }),
      check('network.route-tables', 'fail', { code: 'ROUTE_MISSING', category: 'routing', refines: 'network.tcp-connect', fixes: [routeFix] }),
    ]
    expect(collectFixes(checks, deriveVerdict(checks, GOALS))).toEqual([routeFix])
  })
})
