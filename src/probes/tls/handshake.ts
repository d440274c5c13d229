/**
 * tls.handshake — a TLS handshake with each endpoint IP, SNI set to the endpoint host, the
 * chain verified against the cluster CA (DescribeCluster's, else the kubeconfig's or --ca-file).
 * Evidence: subject, SANs, issuer, validity, fingerprint, protocol, per IP.
 * Fix: a stale CA in the kubeconfig (the certificate is the cluster's, the CA is not), or an
 * interception (the certificate is not the cluster's at all).
 */
import { defineProbe, type ProbeContext, type ProbeOutcome } from '../../engine/types.js'
import { buildForeignCertificateFix, buildStaleCaFix } from '../../fixes/tls.js'
import type { CertificateInfo, HandshakeResult } from '../../platform/env.js'
import { clusterCaOf, reachedIps } from '../shared.js'
import { earlyLargeRequest, earlySmallReply, judgeHandshakeTimeout, judgeLargeHelloDropped } from './packet-size.js'

/** One endpoint IP's handshake, and whether its certificate is one to go on with. */
export interface IpHandshake extends HandshakeResult {
  ip: string
  /** The handshake completed and the chain verified, or there was no CA to verify it against. */
  accepted: boolean
  /** How the same handshake with a ClientHello of kubectl's post-quantum size ended. */
  largeHello: { ok: boolean; code?: string; ms: number }
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'tls.handshake': IpHandshake[]
  }
}

function describeLeaf(leaf: CertificateInfo | undefined) {
  if (!leaf) return null
  return {
    subject: leaf.subject,
    issuer: leaf.issuer,
    subjectAltName: leaf.subjectAltName,
    validFrom: leaf.validFrom,
    validTo: leaf.validTo,
    fingerprint256: leaf.fingerprint256,
  }
}

/** An API server certificate names the cluster: CN=kubernetes issuer and the endpoint or kubernetes SANs. */
function looksLikeApiServer(leaf: CertificateInfo, host: string): boolean {
  const issuedByKubernetes = /CN=kubernetes\b/i.test(leaf.issuer)
  const names = leaf.subjectAltName.map((n) => n.replace(/^(DNS|IP Address):/, '').toLowerCase())
  return issuedByKubernetes && (names.includes(host.toLowerCase()) || names.includes('kubernetes.default.svc'))
}

function issuerCn(leaf: CertificateInfo): string {
  return /CN=([^,]+)/.exec(leaf.issuer)?.[1] ?? leaf.issuer
}

function judgeUnverified(ctx: ProbeContext<never, 'cluster.describe'>, host: string, bad: IpHandshake, caSource: string, evidence: Record<string, unknown>): ProbeOutcome {
  const leaf = bad.chain[0]
  const code = bad.code ?? 'TLS_UNKNOWN_CA'
  const where = `${bad.ip} presents`
  if (code === 'TLS_EXPIRED') {
    return { status: 'fail', code, category: 'tls', detail: `${where} a certificate outside its validity (${leaf?.validFrom} – ${leaf?.validTo}); check this machine's clock too`, evidence: evidence as never }
  }
  if (code === 'TLS_HOSTNAME_MISMATCH') {
    return {
      status: 'fail',
      code,
      category: 'tls',
      detail: `${where} a certificate for ${leaf?.subjectAltName.join(', ') || leaf?.subject}, not for ${host}`,
      evidence: evidence as never,
      fixes: leaf ? [buildForeignCertificateFix(host, issuerCn(leaf), undefined)] : [],
    }
  }
  const fromKubeconfig = !ctx.get('cluster.describe')?.caData && ctx.target.sources.endpoint !== '--endpoint'
  if (leaf && looksLikeApiServer(leaf, host) && fromKubeconfig) {
    return {
      status: 'fail',
      code: 'TLS_STALE_CA',
      category: 'kubeconfig',
      confirmed: false,
      alternatives: [{ category: 'tls', summary: 'another Kubernetes API server answers at this address' }],
      detail: `${where} a Kubernetes API server certificate (issuer ${issuerCn(leaf)}) that the CA in ${caSource} did not sign: the kubeconfig CA looks stale`,
      evidence: evidence as never,
      fixes: [buildStaleCaFix({ ...ctx.target, caSource })],
    }
  }
  return {
    status: 'fail',
    code,
    category: 'tls',
    // Only DescribeCluster's CA is the truth; a user-supplied CA may itself be the wrong one.
    confirmed: Boolean(ctx.get('cluster.describe')?.caData),
    alternatives: ctx.get('cluster.describe')?.caData
      ? []
      : [{ category: 'kubeconfig', summary: `${caSource} is not this cluster's CA` }],
    detail: `${where} a certificate issued by "${leaf ? issuerCn(leaf) : 'unknown'}" that the cluster CA (${caSource}) did not sign: this is not the cluster's certificate`,
    evidence: evidence as never,
    fixes: leaf ? [buildForeignCertificateFix(host, issuerCn(leaf), undefined)] : [],
  }
}

export const handshakeProbe = defineProbe({
  id: 'tls.handshake',
  layer: 'tls',
  title: 'TLS handshake and certificate',
  needs: ['network.tcp-connect', 'dns.system'],
  uses: ['cluster.describe'],
  // For the packet-size verdicts only: the interface, the router's name, kubectl's Go release.
  reads: ['routing.local-route', 'routing.tailscale', 'network.source-cidr', 'env.tools'],
  async run(ctx) {
    // Early probes the verdict turns out not to need are stopped when it is in, not left to time out.
    const leftovers = new AbortController()
    try {
      return await judgeHandshakes(ctx, leftovers.signal)
    } finally {
      leftovers.abort()
    }
  },
})

type HandshakeContext = ProbeContext<'network.tcp-connect' | 'dns.system', 'cluster.describe' | 'routing.local-route' | 'routing.tailscale' | 'network.source-cidr' | 'env.tools'>

async function judgeHandshakes(ctx: HandshakeContext, leftovers: AbortSignal): Promise<ProbeOutcome<IpHandshake[]>> {
  const earlySignal = AbortSignal.any([ctx.signal, leftovers])
  const resolved = ctx.need('dns.system')
  const ca = clusterCaOf(ctx)
  const servername = resolved.isIpLiteral ? undefined : resolved.host
  // What explains a handshake timeout starts while the handshake is still unanswered, per IP.
  const early = new Map<string, { small: ReturnType<typeof earlySmallReply>; request: ReturnType<typeof earlyLargeRequest> }>()
  const results: IpHandshake[] = await Promise.all(
    reachedIps(ctx).map(async (ip) => {
      const shake = (largeHello: boolean) =>
        ctx.env.tls.handshake(ip, resolved.port, { servername: resolved.host, caPem: ca?.pem, timeoutMs: ctx.options.connectTimeoutMs, signal: ctx.signal, ...(largeHello ? { largeHello } : {}) })
      // Side by side: kubectl's hello is the large one, and it costs nothing extra on a healthy path.
      const pending = [shake(false), shake(true)] as const
      early.set(ip, { small: earlySmallReply(ctx, earlySignal, pending[0], ip, resolved.port, servername), request: earlyLargeRequest(ctx, earlySignal, pending[0], pending[1], ip, resolved) })
      const [handshake, large] = await Promise.all(pending)
      return { ip, ...handshake, accepted: handshake.ok && (handshake.verified || !ca), largeHello: { ok: large.ok, ...(large.code ? { code: large.code } : {}), ms: large.ms } }
    }),
  )
  const evidence = {
    servername: resolved.isIpLiteral ? null : resolved.host,
    ca: ca?.source ?? null,
    handshakes: results.map((r) => ({
      ip: r.ip,
      ok: r.ok,
      verified: r.verified,
      error: r.verifyError ?? r.message ?? null,
      protocol: r.protocol ?? null,
      certificate: describeLeaf(r.chain[0]),
      largeHello: { ok: r.largeHello.ok, ms: r.largeHello.ms },
    })),
  }
  const broken = results.find((r) => !r.ok)
  if (broken) {
    if (broken.code === 'TLS_TIMEOUT') {
      const judged = await judgeHandshakeTimeout(ctx, broken, resolved.port, servername, early.get(broken.ip)?.small)
      return { ...judged, evidence: { ...evidence, ...judged.evidence }, data: results }
    }
    // The TCP check passed a moment ago; losing the connection now is still the network's doing.
    const atTcp = broken.code?.startsWith('TCP_') ?? false
    return {
      status: 'fail',
      code: broken.code ?? 'TLS_HANDSHAKE_FAILED',
      category: atTcp ? 'routing' : 'tls',
      confirmed: !atTcp,
      detail: `TLS with ${broken.ip} failed: ${broken.message}`,
      evidence,
      data: results,
    }
  }
  const dropped = results.find((r) => r.largeHello.code === 'TLS_TIMEOUT')
  if (dropped) {
    const judged = await judgeLargeHelloDropped(ctx, dropped, resolved, early.get(dropped.ip)?.request)
    return { ...judged, evidence: { ...evidence, ...judged.evidence }, data: results }
  }
  if (!ca) {
    return {
      status: 'warn',
      detail: `handshake with ${results.map((r) => r.ip).join(', ')} done (${results[0]?.protocol}), but there is no cluster CA to check the certificate against: pass --ca-file or give AWS access`,
      evidence,
      data: results,
    }
  }
  const unverified = results.find((r) => !r.verified)
  if (unverified) return { ...judgeUnverified(ctx, resolved.host, unverified, ca.source, evidence), data: results }
  // The certificate is the cluster's; the kubeconfig may still carry a CA kubectl will reject.
  const describeCa = ctx.get('cluster.describe')?.caData
  const leaf = results[0]?.chain[0]
  if (describeCa && ctx.target.caPem && leaf && !ctx.env.tls.issuedBy(leaf.pem, ctx.target.caPem, results[0]?.chain.slice(1).map((c) => c.pem))) {
    return {
      status: 'fail',
      code: 'TLS_STALE_CA',
      category: 'kubeconfig',
      detail: `the API server's certificate verifies against the cluster CA from AWS, but not against ${ctx.target.caSource ?? 'the kubeconfig CA'}: kubectl will fail with x509: certificate signed by unknown authority`,
      evidence,
      data: results,
      fixes: [buildStaleCaFix({ ...ctx.target, caSource: ctx.target.caSource })],
    }
  }
  const l = results[0]?.chain[0]
  return {
    status: 'pass',
    detail: `${results[0]?.protocol ?? 'TLS'} certificate for ${resolved.host} verified against ${ca.source}${l ? `, valid until ${l.validTo.slice(0, 10)}` : ''}`,
    evidence,
    data: results,
  }
}
