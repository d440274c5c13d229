import { readFileSync } from 'node:fs'
import { resolve as resolvePath } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ProbeData, Target } from '../../../../src/engine/types.js'
import type { CertificateInfo, Platform, SmallReply } from '../../../../src/platform/env.js'
import type { ResolvedEndpoint } from '../../../../src/probes/dns/system.js'
import { handshakeProbe } from '../../../../src/probes/tls/handshake.js'
import { clusterInfo, fakeEnv, runProbe, tailscalePeer, tailscaleState, type FakeEnvOptions, type ScriptedCall, type TlsAnswer } from '../../../helpers/fake-env.js'

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
  /** `ip` → the plain handshake, `ip large` → the padded one (the plain one's answer when absent). */
  handshakes: Record<string, TlsAnswer>
  smallReplies?: Record<string, Omit<SmallReply, 'ms'>>
  describeCa?: string
  target?: Partial<Target>
  issuedBy?: NonNullable<FakeEnvOptions['tls']>['issuedBy']
  platform?: Platform
  exec?: ScriptedCall[]
  data?: Partial<ProbeData>
  http?: FakeEnvOptions['http']
}) {
  const env = fakeEnv({
    platform: o.platform,
    exec: o.exec,
    http: o.http,
    tls: {
      handshakes: Object.fromEntries(Object.entries(o.handshakes).map(([key, a]) => [key.replace(/^(\S+)/, '$1:443'), a])),
      smallReplies: o.smallReplies && Object.fromEntries(Object.entries(o.smallReplies).map(([ip, a]) => [`${ip}:443`, a])),
      issuedBy: o.issuedBy,
    },
  })
  const outcome = await runProbe(handshakeProbe, {
    env,
    target: o.target,
    data: {
      'dns.system': resolved(o.host, o.ips),
      ...(o.describeCa ? { 'cluster.describe': clusterInfo({ name: 'c', caData: b64(o.describeCa) }) } : {}),
      ...o.data,
    },
  })
  return { outcome, env }
}

const verified = (host: string): TlsAnswer => ({ ok: true, verified: true, protocol: 'TLSv1.3', chain: [apiServerLeaf(host)] })
const TIMED_OUT: TlsAnswer = { ok: false, code: 'TLS_TIMEOUT', message: 'TCP connected but no TLS handshake within 2000 ms' }
const fixture = (path: string) => readFileSync(resolvePath(import.meta.dirname, '../../../fixtures', path), 'utf8')

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
    // Each IP gets kubectl's large hello beside the plain one.
    expect(env.record.handshakes).toEqual(ips.flatMap((ip) => [false, true].map((large) => ({ ip, port: 443, servername: host, caPem: CLUSTER_CA, timeoutMs: 2000, ...(large ? { largeHello: true } : {}) }))))
    expect(env.record.smallReplies).toEqual([])
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
  ])('fails TLS_TIMEOUT (routing, unconfirmed) when not even a small TLS answer comes back from $stuck', async ({ host, ips, stuck }) => {
    const handshakes = Object.fromEntries(ips.map((ip) => [ip, ip === stuck ? TIMED_OUT : verified(host)]))
    const { outcome, env } = await run({ host, ips, describeCa: CLUSTER_CA, handshakes, smallReplies: { [stuck]: { reply: 'none', message: 'nothing within 2000 ms' } } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TLS_TIMEOUT', category: 'routing', confirmed: false })
    expect(outcome.alternatives?.length).toBeGreaterThan(0)
    expect(outcome.detail).toBe(
      `TCP to ${stuck} connects but no TLS comes back, not even the 7-byte alert any TLS server sends a TLS 1.0 hello: not a packet-size problem; something on the path takes the connection without being the API server (a transparent proxy, a firewall), or the API server does not answer`,
    )
    expect(outcome.fixes ?? []).toEqual([])
    expect(env.record.smallReplies).toEqual([{ ip: stuck, port: 443, timeoutMs: 2000 }])
  })

  it.each([
    {
      platform: 'linux' as const,
      iface: 'tailscale0',
      exec: { file: 'ip', args: ['-j', 'link', 'show', 'dev', 'tailscale0'], stdout: fixture('interface-mtu/linux-nixos-asahi-ip-j-addr-tailscale0.json') },
      mtu: 1280,
      set: 'sudo ip link set dev tailscale0 mtu 1200',
    },
    {
      platform: 'darwin' as const,
      iface: 'utun4',
      exec: { file: 'ifconfig', args: ['utun4'], stdout: fixture('interface-mtu/darwin-15.3-teleport-ifconfig-v-utun4.txt') },
      mtu: 1280,
      set: 'sudo ifconfig utun4 mtu 1200',
    },
  ])('fails TLS_MTU_BLACKHOLE, confirmed, on $platform when a small TLS answer arrives and the certificate flight does not', async ({ platform, iface, exec, mtu, set }) => {
    const ip = '10.0.10.239'
    const peer = tailscalePeer({ hostName: 'vpn-router-seoul', tailscaleIPs: ['100.91.2.3'], primaryRoutes: ['10.0.0.0/16'] })
    const { outcome } = await run({
      host: SEOUL_HOST,
      ips: [ip],
      describeCa: CLUSTER_CA,
      handshakes: { [ip]: TIMED_OUT },
      smallReplies: { [ip]: { reply: 'alert', message: 'a TLS alert (protocol version)' } },
      platform,
      exec: [exec],
      data: { 'routing.local-route': [{ ip, kind: 'vpn', lookup: { destination: ip, ok: true, interface: iface } }], 'routing.tailscale': tailscaleState({ peers: [peer] }) },
    })
    expect(outcome).toMatchObject({ status: 'fail', code: 'TLS_MTU_BLACKHOLE', category: 'routing' })
    expect(outcome.confirmed).not.toBe(false)
    expect(outcome.detail).toBe(
      `TCP to ${ip} connects and a small TLS answer comes back (a TLS alert (protocol version), 15 ms), but the certificate flight, in full-size packets, never arrives (the route leaves through ${iface}, MTU ${mtu}): packets over some size are dropped on the way back, with no ICMP "fragmentation needed" (a path MTU black hole); kubectl fails with "net/http: TLS handshake timeout"`,
    )
    expect(outcome.evidence).toMatchObject({ smallReply: { ip, reply: 'alert' }, interface: iface, mtu })
    expect(outcome.fixes?.map((f) => f.commands[0])).toEqual([
      set,
      'sudo iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu   # on vpn-router-seoul (the Tailscale subnet router for 10.0.0.0/16)',
    ])
  })

  const largeHelloWorld = (o: { kubectl?: string; goVersion?: string; requestAnswered: boolean }) => {
    const ip = '172.20.3.4'
    return {
      ip,
      input: {
        host: DUBLIN_HOST,
        ips: [ip],
        describeCa: CLUSTER_CA,
        handshakes: { [ip]: verified(DUBLIN_HOST), [`${ip} large`]: TIMED_OUT },
        http: { [`https://${DUBLIN_HOST}:443/readyz @${ip}`]: o.requestAnswered ? { ok: true, status: 401, body: '{"kind":"Status"}' } : { ok: false, code: 'HTTP_TIMEOUT' as const, message: 'no answer within 2000 ms' } },
        exec: [{ file: 'ip', args: ['-j', 'link', 'show', 'dev', 'wg0'], stdout: '[{"ifindex":7,"ifname":"wg0","flags":["POINTOPOINT","NOARP","UP","LOWER_UP"],"mtu":1420}]' }],
        data: {
          'routing.local-route': [{ ip, kind: 'vpn' as const, lookup: { destination: ip, ok: true, interface: 'wg0' } }],
          ...(o.kubectl ? { 'env.tools': { kubectl: { path: '/usr/local/bin/kubectl', version: o.kubectl, goVersion: o.goVersion } } } : {}),
        },
      },
    }
  }

  it.each([
    { goVersion: 'go1.23.8', kubectl: 'v1.32.4', setting: 'GODEBUG=tlskyber=0' },
    { goVersion: 'go1.24.6', kubectl: 'v1.34.1', setting: 'GODEBUG=tlsmlkem=0' },
    { goVersion: undefined, kubectl: undefined, setting: 'GODEBUG=tlsmlkem=0,tlskyber=0' },
  ])("fails TLS_LARGE_HELLO_DROPPED when only kubectl-sized ClientHellos get nothing, and names the GODEBUG for its Go ($goVersion)", async ({ goVersion, kubectl, setting }) => {
    const { ip, input } = largeHelloWorld({ kubectl, goVersion, requestAnswered: true })
    const { outcome, env } = await run(input)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TLS_LARGE_HELLO_DROPPED', category: 'routing', assumption: 'with a small ClientHello' })
    expect(outcome.data?.[0]).toMatchObject({ ip, ok: true, accepted: true, largeHello: { ok: false } })
    const who = kubectl ? `kubectl ${kubectl} (${goVersion})` : 'kubectl built with Go 1.23 or later'
    expect(outcome.detail).toBe(
      `a TLS handshake with ${ip} completes, but one whose ClientHello is about 1.7 KB, the size ${who} sends with its post-quantum key share, gets no answer within 2000 ms (the route leaves through wg0, MTU 1420), while a 1.6 KB request on a normal connection is answered (HTTP 401): something on the path drops large TLS ClientHellos only (a firewall or proxy that reads TLS); kubectl fails with "net/http: TLS handshake timeout"`,
    )
    expect(outcome.fixes?.map((f) => f.commands)).toEqual([[`export ${setting}`]])
    // The size probe carries no credential and a padding header of its own.
    const request = env.record.requests[0]!
    expect(request).toMatchObject({ ip, insecure: true })
    expect(Object.keys(request.headers ?? {})).toEqual(['X-Eksdoctor-Size-Probe'])
    expect(env.record.smallReplies).toEqual([])
  })

  it('fails TLS_MTU_BLACKHOLE toward the server when a large request on a normal connection gets nothing either: no GODEBUG then', async () => {
    const { ip, input } = largeHelloWorld({ kubectl: 'v1.32.4', goVersion: 'go1.23.8', requestAnswered: false })
    const { outcome } = await run(input)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TLS_MTU_BLACKHOLE', category: 'routing', assumption: 'with a small ClientHello' })
    expect(outcome.detail).toContain(`a TLS handshake with ${ip} completes, but one whose ClientHello is about 1.7 KB`)
    expect(outcome.detail).toContain('and a 1.6 KB request on a normal connection gets no answer either: packets over some size are dropped on the way to the server')
    expect(outcome.evidence).toMatchObject({ largeRequest: { ip, answered: false, error: 'no answer within 2000 ms' }, interface: 'wg0', mtu: 1420 })
    expect(outcome.fixes?.map((f) => f.commands)).toEqual([
      ['sudo ip link set dev wg0 mtu 1280', '# to keep it: MTU = 1280 under [Interface] in the WireGuard config of wg0'],
      ['sudo iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu   # on the VPN router'],
    ])
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
