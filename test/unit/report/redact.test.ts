import { describe, expect, it } from 'vitest'
import type { Report } from '../../../src/engine/types.js'
import { renderJson } from '../../../src/report/json.js'
import { renderMarkdown } from '../../../src/report/markdown.js'
import { maskValue, sensitive } from '../../../src/engine/sensitive.js'
import { renderText } from '../../../src/report/text.js'
import {
  DNS_ACCOUNT_ID,
  DNS_ENDPOINT_HOST,
  DNS_PUBLIC_IP,
  OK_ACCOUNT_ID,
  OK_ENDPOINT_HOST,
  OK_SESSION_TOKEN,
  REPORT_FIXTURES,
  SG_ACCOUNT_ID,
  SG_ENDPOINT_HOST,
  SG_SESSION_TOKEN,
  dnsPublicAnswerReport,
  inconclusiveReport,
  okPublicEndpointReport,
  sgIntermittentReport,
} from '../../fixtures/reports/index.js'

type RendererName = 'json' | 'text' | 'markdown'
const RENDERERS: Record<RendererName, (report: Report, redact: boolean) => string> = {
  json: (report, redact) => renderJson(report, { redact }),
  text: (report, redact) => renderText(report, { color: false, redact }),
  markdown: (report, redact) => renderMarkdown(report, { redact }),
}
const NAMES = Object.keys(RENDERERS) as RendererName[]
const render = (name: RendererName, report: Report, redact: boolean) => RENDERERS[name](report, redact)
const allOutputs = (report: Report, redact: boolean) => NAMES.map((name) => render(name, report, redact)).join('\n')

/** The 32-hex unique part of an EKS endpoint host. */
const uniquePart = (host: string) => host.slice(0, 32)
const masksIn = (text: string, prefix: string) => [...new Set(text.match(new RegExp(`${prefix}-[0-9a-f]{6}`, 'g')) ?? [])].sort()

const BRIEF_ACCOUNT = '123456789012'
const CLUSTER_ARN = `arn:aws:eks:eu-west-1:${BRIEF_ACCOUNT}:cluster/x`
const ROLE_ARN = `arn:aws:iam::${BRIEF_ACCOUNT}:role/a/b`
const PRIVATE_IPS = ['10.0.10.239', '172.16.5.4', '172.31.255.254', '192.168.1.10', '100.64.0.9', '100.101.102.103']
const FREE_TEXT_PUBLIC_IPS = ['198.51.100.77', '203.0.113.9']

/**
 * A report whose free text (target, details, verdict, fix why and commands) quotes ARNs, public and
 * private IPs and an endpoint host as plain strings: nothing is wrapped with sensitive(...).
 */
function freeTextReport(): Report {
  const host = 'ABCDEF0123456789ABCDEF0123456789.sk1.eu-west-1.eks.amazonaws.com'
  const report: Report = structuredClone(inconclusiveReport)
  report.target = { cluster: 'x', region: 'eu-west-1', endpoint: `https://${host}`, context: CLUSTER_ARN }
  report.checks[1] = {
    ...report.checks[1]!,
    status: 'fail',
    detail: `${ROLE_ARN} cannot call eks:DescribeCluster on ${CLUSTER_ARN}; ${host} resolves to ${FREE_TEXT_PUBLIC_IPS[0]} from ${PRIVATE_IPS.join(', ')}`,
    evidence: { principal: ROLE_ARN, sourceAddresses: PRIVATE_IPS },
  }
  report.verdict = {
    status: 'fail',
    category: 'credentials',
    rootCause: 'cluster.describe',
    confirmed: true,
    alternatives: [{ category: 'dns', summary: `${host} also answers on ${FREE_TEXT_PUBLIC_IPS[1]}` }],
    further: [],
    summary: `${ROLE_ARN} may not describe x (seen from ${PRIVATE_IPS[0]}, public ${FREE_TEXT_PUBLIC_IPS[0]})`,
  }
  report.fixes = [
    {
      category: 'credentials',
      title: `Allow ${ROLE_ARN} to describe x`,
      why: `The API at ${FREE_TEXT_PUBLIC_IPS[1]} is public; ${PRIVATE_IPS[2]} and ${PRIVATE_IPS[4]} are not.`,
      commands: [
        `aws iam put-role-policy --role-name b --policy-name eks-describe --policy-document '{"Statement":[{"Effect":"Allow","Action":"eks:DescribeCluster","Resource":"${CLUSTER_ARN}"}]}'`,
        `curl -sk https://${FREE_TEXT_PUBLIC_IPS[1]}/readyz --resolve ${host}:443:${FREE_TEXT_PUBLIC_IPS[0]}`,
        `ping -c 1 ${PRIVATE_IPS[3]} && ping -c 1 ${PRIVATE_IPS[1]} && ping -c 1 ${PRIVATE_IPS[5]}`,
      ],
    },
  ]
  return report
}

describe('without --redact', () => {
  it.each(NAMES)('%s prints the marked values raw and no masks', (name) => {
    const ok = render(name, okPublicEndpointReport, false)
    const dns = render(name, dnsPublicAnswerReport, false)
    expect(ok).toContain(OK_ACCOUNT_ID)
    expect(ok).toContain(OK_ENDPOINT_HOST)
    expect(ok).toContain(OK_ENDPOINT_HOST.toLowerCase())
    expect(dns).toContain(DNS_PUBLIC_IP)
    expect(dns).toContain(DNS_ENDPOINT_HOST.toLowerCase())
    for (const out of [ok, dns]) for (const prefix of ['ACCOUNT', 'PUBLIC-IP', 'ENDPOINT']) expect(masksIn(out, prefix)).toEqual([])
  })

  it('json resolves each Sensitive to its raw value, except the secret', () => {
    const json = JSON.parse(render('json', dnsPublicAnswerReport, false)) as Report
    const evidence = json.checks.find((c) => c.id === 'dns.system')!.evidence
    expect(evidence.host).toBe(DNS_ENDPOINT_HOST.toLowerCase())
    expect(evidence.answers).toEqual([{ ip: DNS_PUBLIC_IP, class: 'public' }])
    expect(json.checks.find((c) => c.id === 'credentials.identity')!.evidence.account).toBe(DNS_ACCOUNT_ID)
    const ok = JSON.parse(render('json', okPublicEndpointReport, false)) as Report
    expect(ok.checks.find((c) => c.id === 'credentials.identity')!.evidence).toMatchObject({ account: OK_ACCOUNT_ID, sessionToken: '[secret]' })
  })

  it('the text path diagram shows the raw public answer', () => {
    expect(render('text', dnsPublicAnswerReport, false)).toContain(`✖ DNS DNS_PUBLIC_ANSWER → ${DNS_PUBLIC_IP}`)
  })

  it.each(NAMES)('%s masks the secret all the same', (name) => {
    const out = render(name, okPublicEndpointReport, false)
    expect(out).not.toContain(OK_SESSION_TOKEN)
    if (name !== 'text') expect(out).toContain('"sessionToken": "[secret]"')
  })

  it.each(NAMES)('%s leaves free-text ARNs, public IPs and hosts alone', (name) => {
    const out = render(name, freeTextReport(), false)
    expect(out).toContain(CLUSTER_ARN)
    expect(out).toContain(ROLE_ARN)
    for (const ip of FREE_TEXT_PUBLIC_IPS) expect(out).toContain(ip)
  })
})

describe('with --redact', () => {
  it.each(NAMES)('%s masks account ids inside ARNs, and keeps the rest of the ARN', (name) => {
    const out = render(name, freeTextReport(), true)
    const mask = maskValue('account', BRIEF_ACCOUNT)
    expect(out).not.toContain(BRIEF_ACCOUNT)
    expect(out).toContain(`arn:aws:eks:eu-west-1:${mask}:cluster/x`)
    expect(out).toContain(`arn:aws:iam::${mask}:role/a/b`)
  })

  it.each(NAMES)('%s masks the account ids of the fixtures (cluster, STS, IAM and user ARNs, marked fields)', (name) => {
    const ok = render(name, okPublicEndpointReport, true)
    const dns = render(name, dnsPublicAnswerReport, true)
    expect(ok).not.toContain(OK_ACCOUNT_ID)
    expect(dns).not.toContain(DNS_ACCOUNT_ID)
    expect(ok).toContain(`arn:aws:eks:eu-west-1:${maskValue('account', OK_ACCOUNT_ID)}:cluster/payments-prod`)
    expect(ok).toContain(`arn:aws:sts::${maskValue('account', OK_ACCOUNT_ID)}:assumed-role/AWSReservedSSO_PlatformOps_0a1b2c3d4e5f6a7b/alice@example.com`)
    expect(dns).toContain(`arn:aws:iam::${maskValue('account', DNS_ACCOUNT_ID)}:user/ci-readonly`)
  })

  it.each(NAMES)('%s masks public IPs in free text: target, details, verdict, alternatives, fix why and commands', (name) => {
    const out = render(name, freeTextReport(), true)
    for (const ip of FREE_TEXT_PUBLIC_IPS) {
      expect(out).not.toContain(ip)
      expect(out).toContain(maskValue('public-ip', ip))
    }
    expect(out).toContain(`curl -sk https://${maskValue('public-ip', FREE_TEXT_PUBLIC_IPS[1]!)}/readyz`)
  })

  it.each(NAMES)('%s masks the public IPs of the fixtures, marked or quoted (CIDRs, summaries, hosts lines, commands)', (name) => {
    const ok = render(name, okPublicEndpointReport, true)
    const dns = render(name, dnsPublicAnswerReport, true)
    for (const ip of ['203.0.113.0', '198.51.100.7']) expect(ok).not.toContain(ip)
    expect(ok).toContain(`${maskValue('public-ip', '203.0.113.0')}/24`)
    expect(dns).not.toContain(DNS_PUBLIC_IP)
    expect(dns).toContain(maskValue('public-ip', DNS_PUBLIC_IP))
    if (name !== 'json') expect(dns).toContain(`grep -n '${maskValue('public-ip', DNS_PUBLIC_IP)}' /etc/hosts`)
  })

  const hosts = [
    { name: 'free text', report: freeTextReport(), host: 'ABCDEF0123456789ABCDEF0123456789.sk1.eu-west-1.eks.amazonaws.com' },
    { name: 'ok-public-endpoint', report: okPublicEndpointReport, host: OK_ENDPOINT_HOST },
    { name: 'sg-intermittent', report: sgIntermittentReport, host: SG_ENDPOINT_HOST },
    { name: 'dns-public-answer', report: dnsPublicAnswerReport, host: DNS_ENDPOINT_HOST },
  ]
  const hostCases = hosts.flatMap((h) => NAMES.map((renderer) => ({ ...h, renderer })))

  it.each(hostCases)('$renderer masks the 32-hex unique part of the endpoint host ($name), in any case, and keeps the suffix', ({ report, host, renderer }) => {
    const out = render(renderer, report, true)
    expect(out.toLowerCase()).not.toContain(uniquePart(host).toLowerCase())
    expect(out).toContain(host.slice(32))
    expect(masksIn(out, 'ENDPOINT').length).toBeGreaterThan(0)
  })

  it.each(hosts)('one endpoint host gets one mask throughout a redacted report ($name)', ({ report }) => {
    // DescribeCluster spells the host in upper case; the probes record `new URL(...).hostname`, lower case.
    expect(masksIn(allOutputs(report, true), 'ENDPOINT')).toHaveLength(1)
  })

  it.each(NAMES)('%s does not mask private, CGNAT (Tailscale) addresses or cluster names', (name) => {
    const out = render(name, freeTextReport(), true)
    for (const ip of PRIVATE_IPS) expect(out).toContain(ip)
    const ok = render(name, okPublicEndpointReport, true)
    for (const kept of ['payments-prod', '10.20.1.37', '10.20.2.141', '10.20.0.0/16', 'eu-west-1']) expect(ok).toContain(kept)
    if (name !== 'text') expect(ok).toContain('100.101.102.103')
    const sg = render(name, sgIntermittentReport, true)
    for (const kept of ['orders-dev', '10.30.2.200', '172.31.0.0/16']) expect(sg).toContain(kept)
    const dns = render(name, dnsPublicAnswerReport, true)
    for (const kept of ['ledger-staging', '192.168.0.0/16', '127.0.0.1']) expect(dns).toContain(kept)
  })

  it.each(NAMES)('%s gives the same output for the same input, twice', (name) => {
    for (const { report } of REPORT_FIXTURES) expect(render(name, report, true)).toBe(render(name, report, true))
  })

  it.each(NAMES)('%s gives two reports in the same account the same account mask', (name) => {
    expect(SG_ACCOUNT_ID).toBe(OK_ACCOUNT_ID)
    const ok = masksIn(render(name, okPublicEndpointReport, true), 'ACCOUNT')
    const sg = masksIn(render(name, sgIntermittentReport, true), 'ACCOUNT')
    expect(ok).toEqual([maskValue('account', OK_ACCOUNT_ID)])
    expect(sg).toEqual(ok)
  })

  it.each(NAMES)('%s gives different inputs different masks', (name) => {
    const ok = render(name, okPublicEndpointReport, true)
    const sg = render(name, sgIntermittentReport, true)
    const dns = render(name, dnsPublicAnswerReport, true)
    expect(masksIn(dns, 'ACCOUNT')).toEqual([maskValue('account', DNS_ACCOUNT_ID)])
    expect(masksIn(dns, 'ACCOUNT')).not.toEqual(masksIn(ok, 'ACCOUNT'))
    // Two public IPs in one report, and one in another: three masks.
    const publicMasks = [...masksIn(ok, 'PUBLIC-IP'), ...masksIn(dns, 'PUBLIC-IP')]
    expect(publicMasks).toHaveLength(3)
    expect(new Set(publicMasks).size).toBe(3)
    // Two clusters' endpoints never share a mask.
    for (const mask of masksIn(ok, 'ENDPOINT')) expect(masksIn(sg, 'ENDPOINT')).not.toContain(mask)
  })

  it('the masks are the ones sensitive(...) stores', () => {
    const json = JSON.parse(render('json', dnsPublicAnswerReport, true)) as Report
    const evidence = json.checks.find((c) => c.id === 'dns.system')!.evidence
    expect(evidence.host).toBe(sensitive('endpoint-host', DNS_ENDPOINT_HOST.toLowerCase()).masked)
    expect(evidence.answers).toEqual([{ ip: sensitive('public-ip', DNS_PUBLIC_IP).masked, class: 'public' }])
    expect(json.checks.find((c) => c.id === 'credentials.identity')!.evidence.account).toBe(maskValue('account', DNS_ACCOUNT_ID))
  })
})

describe('secrets', () => {
  const cases = REPORT_FIXTURES.flatMap((f) => [false, true].flatMap((redact) => NAMES.map((renderer) => ({ ...f, redact, renderer }))))

  it.each(cases)('$renderer never prints a session token ($name, redact: $redact)', ({ report, redact, renderer }) => {
    const out = render(renderer, report, redact)
    for (const token of [OK_SESSION_TOKEN, SG_SESSION_TOKEN]) {
      expect(out).not.toContain(token)
      expect(out).not.toContain(token.slice(0, 24))
    }
  })

  it.each([false, true])('a secret quoted in free text is masked too (redact: %s)', (redact) => {
    const report: Report = structuredClone(okPublicEndpointReport)
    const identity = report.checks.find((c) => c.id === 'credentials.identity')!
    identity.detail = `AWS_SESSION_TOKEN=${OK_SESSION_TOKEN} is set in the environment`
    report.fixes[0]!.commands.push(`AWS_SESSION_TOKEN=${OK_SESSION_TOKEN} aws sts get-caller-identity`)
    for (const name of NAMES) {
      const out = render(name, report, redact)
      expect(out).not.toContain(OK_SESSION_TOKEN)
      expect(out).toContain('AWS_SESSION_TOKEN=[secret]')
    }
  })
})

describe('dual-stack values under --redact', () => {
  const host = '0F1E2D3C4B5A69788796A5B4C3D2E1F0.gr7.us-west-2.api.aws'
  const gua = '2600:1f14:8c3:e201:4a1b:2c3d:4e5f:6071'
  const ula = 'fd7a:115c:a1e0::1234:5678'
  const report = (): Report => {
    const r: Report = structuredClone(inconclusiveReport)
    r.target = { cluster: 'x', region: 'us-west-2', endpoint: `https://${host}` }
    r.checks[1] = { ...r.checks[1]!, status: 'fail', detail: `${host} resolves to ${gua} and ${ula}; route to [${gua}]:443 and ${gua}/128`, evidence: {} }
    return r
  }

  it.each(NAMES)('%s masks the unique part of an api.aws endpoint host and a globally unique IPv6 address, not a tailnet ULA', (name) => {
    const out = render(name, report(), true)
    expect(out).not.toContain(uniquePart(host))
    expect(out).toContain('.gr7.us-west-2.api.aws')
    expect(out).not.toContain(gua)
    expect(out).toContain(maskValue('public-ip', gua))
    expect(out).toContain(ula)
  })

  it.each(NAMES)('%s leaves them alone without --redact', (name) => {
    const out = render(name, report(), false)
    expect(out).toContain(host)
    expect(out).toContain(gua)
  })
})
