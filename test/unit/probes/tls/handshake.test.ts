import { describe, expect, it } from 'vitest'
import type { Target } from '../../../../src/engine/types.js'
import type { CertificateInfo } from '../../../../src/platform/env.js'
import type { ResolvedEndpoint } from '../../../../src/probes/dns/system.js'
import { handshakeProbe } from '../../../../src/probes/tls/handshake.js'
import { clusterInfo, fakeEnv, runProbe, type FakeEnvOptions, type TlsAnswer } from '../../../helpers/fake-env.js'

const SEOUL_HOST = '0a1b2c3d4e5f60718293a4b5c6d7e8f9.gr7.ap-northeast-2.eks.amazonaws.com'
const DUBLIN_HOST = 'f00dface0000111122223333abcdef01.yl4.eu-west-1.eks.amazonaws.com'

const pem = (label: string) => `-----BEGIN CERTIFICATE-----\n${label}\n-----END CERTIFICATE-----\n`
const CLUSTER_CA = pem('CLUSTER-CA-FROM-AWS')
const OLD_CA = pem('OLD-CA-IN-KUBECONFIG')
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')

/** The leaf an EKS API server presents: issued by CN=kubernetes, naming the endpoint host. */
function apiServerLeaf(host: string): CertificateInfo {
  return {
    subject: 'CN=kube-apiserver',
    issuer: 'CN=kubernetes',
    subjectAltName: [`DNS:${host}`, 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'IP Address:172.20.0.1'],
    validFrom: '2026-11-01T00:00:00.000Z',
    validTo: '2027-11-01T00:00:00.000Z',
    fingerprint256: 'AA:BB:CC',
    pem: pem(`LEAF-${host}`),
  }
}

/** What a TLS-inspecting proxy presents instead. */
function foreignLeaf(host: string, issuerCn: string): CertificateInfo {
  return {
    subject: `CN=${host}`,
    issuer: `C=US, O=Zscaler Inc., CN=${issuerCn}`,
    subjectAltName: [`DNS:${host}`],
    validFrom: '2026-11-28T00:00:00.000Z',
    validTo: '2026-12-12T00:00:00.000Z',
    fingerprint256: 'DD:EE:FF',
    pem: pem(`FOREIGN-${host}`),
  }
}

const resolved = (host: string, ips: string[]): ResolvedEndpoint => ({ host, port: 443, ips, isIpLiteral: false })

async function run(o: {
  host: string
  ips: string[]
  handshakes: Record<string, TlsAnswer>
  describeCa?: string
  target?: Partial<Target>
  issuedBy?: NonNullable<FakeEnvOptions['tls']>['issuedBy']
}) {
  const env = fakeEnv({
    tls: { handshakes: Object.fromEntries(Object.entries(o.handshakes).map(([ip, a]) => [`${ip}:443`, a])), issuedBy: o.issuedBy },
  })
  const outcome = await runProbe(handshakeProbe, {
    env,
    target: o.target,
    data: {
      'dns.system': resolved(o.host, o.ips),
      ...(o.describeCa ? { 'cluster.describe': clusterInfo({ name: 'c', caData: b64(o.describeCa) }) } : {}),
    },
  })
  return { outcome, env }
}

const verified = (host: string): TlsAnswer => ({ ok: true, verified: true, protocol: 'TLSv1.3', chain: [apiServerLeaf(host)] })

describe('tls.handshake', () => {
  it.each([
    { host: SEOUL_HOST, ips: ['10.0.10.239', '10.0.11.17'] },
    { host: DUBLIN_HOST, ips: ['172.20.3.4'] },
  ])('passes when every IP presents a certificate the cluster CA from AWS verifies ($host)', async ({ host, ips }) => {
    const { outcome, env } = await run({ host, ips, describeCa: CLUSTER_CA, handshakes: Object.fromEntries(ips.map((ip) => [ip, verified(host)])) })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`TLSv1.3 certificate for ${host} verified against DescribeCluster certificateAuthority, valid until 2027-11-01`)
    expect(outcome.evidence).toMatchObject({ servername: host, ca: 'DescribeCluster certificateAuthority' })
    // SNI is the endpoint host, the CA is DescribeCluster's, each handshake is bounded.
    expect(env.record.handshakes).toEqual(ips.map((ip) => ({ ip, port: 443, servername: host, caPem: CLUSTER_CA, timeoutMs: 2000 })))
  })

  it("passes when the kubeconfig CA is the cluster's too", async () => {
    const { outcome } = await run({
      host: SEOUL_HOST,
      ips: ['10.0.10.239'],
      describeCa: CLUSTER_CA,
      target: { caPem: CLUSTER_CA, caSource: 'kubeconfig' },
      handshakes: { '10.0.10.239': verified(SEOUL_HOST) },
      issuedBy: [{ leaf: apiServerLeaf(SEOUL_HOST).pem, ca: CLUSTER_CA, issued: true }],
    })
    expect(outcome.status).toBe('pass')
  })

  it.each([
    { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2', profile: 'eks-security-infra' },
    { cluster: 'payments-prod', region: 'eu-west-1', profile: 'payments-admin' },
  ])('fails TLS_STALE_CA (kubeconfig) when AWS verifies the certificate but the kubeconfig CA does not ($cluster)', async ({ cluster, region, profile }) => {
    const { outcome } = await run({
      host: SEOUL_HOST,
      ips: ['10.0.10.239'],
      describeCa: CLUSTER_CA,
      target: { cluster, region, profile, caPem: OLD_CA, caSource: 'kubeconfig /home/op/.kube/config' },
      handshakes: { '10.0.10.239': verified(SEOUL_HOST) },
      issuedBy: [{ leaf: apiServerLeaf(SEOUL_HOST).pem, ca: OLD_CA, issued: false }],
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TLS_STALE_CA', category: 'kubeconfig' })
    expect(outcome.detail).toContain('not against kubeconfig /home/op/.kube/config')
    expect(outcome.fixes?.[0]?.category).toBe('kubeconfig')
    expect(outcome.fixes?.[0]?.commands).toEqual([
      `eksdoctor kubeconfig --cluster ${cluster} --region ${region} --profile ${profile}`,
      `aws eks update-kubeconfig --name ${cluster} --region ${region} --profile ${profile}`,
    ])
  })

  it('warns when there is no CA to check against, and sends none', async () => {
    const { outcome, env } = await run({
      host: DUBLIN_HOST,
      ips: ['172.20.3.4'],
      handshakes: { '172.20.3.4': { ok: true, verified: false, verifyError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', code: 'TLS_UNKNOWN_CA', protocol: 'TLSv1.3', chain: [apiServerLeaf(DUBLIN_HOST)] } },
    })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain('handshake with 172.20.3.4 done (TLSv1.3)')
    expect(outcome.detail).toContain('no cluster CA')
    expect(outcome.evidence).toMatchObject({ ca: null })
    expect(env.record.handshakes[0]?.caPem).toBeUndefined()
  })

  it.each([
    { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2', host: SEOUL_HOST, ip: '10.0.10.239' },
    { cluster: 'payments-prod', region: 'eu-west-1', host: DUBLIN_HOST, ip: '172.20.3.4' },
  ])('fails TLS_STALE_CA (kubeconfig, unconfirmed) when only the kubeconfig CA is known and rejects an API server certificate ($cluster)', async ({ cluster, region, host, ip }) => {
    const { outcome, env } = await run({
      host,
      ips: [ip],
      target: { cluster, region, caPem: OLD_CA, caSource: 'kubeconfig', sources: { endpoint: 'kubeconfig' } },
      handshakes: { [ip]: { ok: true, verified: false, verifyError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', code: 'TLS_UNKNOWN_CA', protocol: 'TLSv1.3', chain: [apiServerLeaf(host)] } },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TLS_STALE_CA', category: 'kubeconfig', confirmed: false })
    expect(outcome.alternatives?.length).toBeGreaterThan(0)
    expect(outcome.detail).toContain(`${ip} presents a Kubernetes API server certificate (issuer kubernetes)`)
    expect(env.record.handshakes[0]?.caPem).toBe(OLD_CA)
    expect(outcome.fixes?.[0]?.commands).toContain(`aws eks update-kubeconfig --name ${cluster} --region ${region}`)
  })

  it.each([
    { host: SEOUL_HOST, ip: '10.0.10.239', issuer: 'Zscaler Intermediate Root CA (zscaler.net) (t) ' },
    { host: DUBLIN_HOST, ip: '172.20.3.4', issuer: 'Corp TLS Inspection CA 2' },
  ])('fails tls, confirmed, when a foreign issuer presents for $host against the CA from AWS', async ({ host, ip, issuer }) => {
    const { outcome } = await run({
      host,
      ips: [ip],
      describeCa: CLUSTER_CA,
      handshakes: { [ip]: { ok: true, verified: false, verifyError: 'SELF_SIGNED_CERT_IN_CHAIN', code: 'TLS_UNKNOWN_CA', protocol: 'TLSv1.2', chain: [foreignLeaf(host, issuer)] } },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TLS_UNKNOWN_CA', category: 'tls', confirmed: true })
    expect(outcome.alternatives ?? []).toEqual([])
    expect(outcome.detail).toContain(`issued by "${issuer}"`)
    expect(outcome.detail).toContain("this is not the cluster's certificate")
    const fix = outcome.fixes?.[0]
    expect(fix?.category).toBe('tls')
    expect(fix?.title).toBe(`Stop the interception of ${host}`)
    expect(fix?.why).toContain(issuer)
    expect((outcome.evidence?.handshakes as { certificate: { issuer: string } }[])[0]?.certificate.issuer).toContain(issuer)
  })

  it('a foreign issuer against a user-given CA is tls but unconfirmed, the CA itself being a candidate', async () => {
    const { outcome } = await run({
      host: SEOUL_HOST,
      ips: ['10.0.10.239'],
      target: { caPem: OLD_CA, caSource: '--ca-file ca.pem', sources: { endpoint: '--endpoint' } },
      handshakes: { '10.0.10.239': { ok: true, verified: false, code: 'TLS_UNKNOWN_CA', chain: [foreignLeaf(SEOUL_HOST, 'Netskope CA')] } },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TLS_UNKNOWN_CA', category: 'tls', confirmed: false })
    expect(outcome.alternatives).toEqual([expect.objectContaining({ category: 'kubeconfig' })])
  })

  it.each([
    { host: SEOUL_HOST, ips: ['10.0.10.239'], stuck: '10.0.10.239' },
    { host: DUBLIN_HOST, ips: ['172.20.4.4', '172.20.3.4'], stuck: '172.20.3.4' },
  ])('fails TLS_TIMEOUT (routing, unconfirmed) when the handshake with $stuck never completes', async ({ host, ips, stuck }) => {
    const handshakes = Object.fromEntries(
      ips.map((ip) => [ip, ip === stuck ? { ok: false, code: 'TLS_TIMEOUT' as const, message: 'TCP connected but no TLS handshake within 2000 ms' } : verified(host)]),
    )
    const { outcome } = await run({ host, ips, describeCa: CLUSTER_CA, handshakes })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TLS_TIMEOUT', category: 'routing', confirmed: false })
    expect(outcome.alternatives?.length).toBeGreaterThan(0)
    expect(outcome.detail).toContain(`TCP to ${stuck} connects but the TLS handshake never completes`)
    expect(outcome.fixes?.[0]?.commands.every((c) => c.includes(stuck))).toBe(true)
  })

  it('fails TLS_EXPIRED with the validity dates', async () => {
    const leaf = { ...apiServerLeaf(SEOUL_HOST), validFrom: '2024-01-01T00:00:00.000Z', validTo: '2025-01-01T00:00:00.000Z' }
    const { outcome } = await run({
      host: SEOUL_HOST,
      ips: ['10.0.10.239'],
      describeCa: CLUSTER_CA,
      handshakes: { '10.0.10.239': { ok: true, verified: false, code: 'TLS_EXPIRED', verifyError: 'CERT_HAS_EXPIRED', chain: [leaf] } },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TLS_EXPIRED', category: 'tls' })
    expect(outcome.detail).toContain('2025-01-01')
  })
})
