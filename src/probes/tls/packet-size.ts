/**
 * Handshakes that fail by size: the server's certificate flight that never arrives (a path MTU
 * black hole on the way back), and a large ClientHello that never gets an answer (a path or a
 * middlebox that drops it on the way there), told apart from a dead server by evidence.
 */
import type { Judgement, ProbeContext } from '../../engine/types.js'
import { buildMssClampFix, buildSmallHelloFix, buildVpnMtuFix } from '../../fixes/tls.js'
import type { HttpResult, SmallReply } from '../../platform/env.js'
import { parseDarwinIfconfig, parseLinuxLinkJson, parseWindowsIpInterface } from '../../platform/parsers/interface-mtu.js'
import { coveringPeer } from '../routing/peers.js'

/** What the checks after a dropped large hello go on with. */
export const WITH_SMALL_HELLO = 'with a small ClientHello'

type SizeContext = ProbeContext<never, 'routing.local-route' | 'routing.tailscale' | 'network.source-cidr' | 'env.tools'>

/**
 * How long a handshake may stay unanswered before the probes that explain a timeout start: about
 * when TCP's first retransmission is due, and early enough that they end with the handshake's own
 * bound, so a timeout is explained within --connect-timeout, not twice it.
 */
export function suspiciousAfterMs(connectTimeoutMs: number): number {
  return Math.min(1000, Math.round(connectTimeoutMs / 3))
}

/**
 * Starts `probe` once `pending` has gone `afterMs` without settling, and resolves undefined when
 * it settles first. A probe started for a handshake that then succeeds is aborted: nothing needs it.
 */
export function whenSilent<T>(pending: Promise<{ ok: boolean }>, afterMs: number, signal: AbortSignal | undefined, probe: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  const controller = new AbortController()
  const bound = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal
  return new Promise((done) => {
    let started = false
    const timer = setTimeout(() => {
      started = true
      probe(bound).then(done, () => done(undefined))
    }, afterMs)
    pending.then(
      (r) => {
        if (!started) {
          clearTimeout(timer)
          done(undefined)
        } else if (r.ok) controller.abort()
      },
      () => {
        clearTimeout(timer)
        done(undefined)
      },
    )
  })
}

/** A small TLS 1.0 hello to `ip`, started once the real handshake has been unanswered for a while, bounded to end with it. */
export function earlySmallReply(ctx: SizeContext, signal: AbortSignal, handshake: Promise<{ ok: boolean }>, ip: string, port: number, servername: string | undefined): Promise<SmallReply | undefined> {
  const after = suspiciousAfterMs(ctx.options.connectTimeoutMs)
  return whenSilent(handshake, after, signal, (signal) => ctx.env.tls.smallReply(ip, port, { servername, timeoutMs: ctx.options.connectTimeoutMs - after, signal }))
}

/**
 * The large request that tells a ClientHello filter from a black hole toward the server, started
 * once the large hello has been unanswered for a while, and only when the normal handshake has
 * completed by then (otherwise it is not the question).
 */
export function earlyLargeRequest(
  ctx: SizeContext,
  signal: AbortSignal,
  normal: Promise<{ ok: boolean }>,
  largeHello: Promise<{ ok: boolean }>,
  ip: string,
  endpoint: { host: string; port: number },
): Promise<HttpResult | undefined> {
  const after = suspiciousAfterMs(ctx.options.connectTimeoutMs)
  let normalOk = false
  normal.then((r) => (normalOk = r.ok), () => undefined)
  return whenSilent(largeHello, after, signal, async (bound) => (normalOk ? largeRequest(ctx, ip, endpoint, ctx.options.connectTimeoutMs - after, bound) : undefined))
}

/** A header that makes a plain HTTP request about 1.6 KB: larger than one packet on a VPN path, like a request that carries a token. */
const LARGE_REQUEST_HEADER = { 'X-Eksdoctor-Size-Probe': 'x'.repeat(1500) }

function largeRequest(ctx: SizeContext, ip: string, endpoint: { host: string; port: number }, timeoutMs: number, signal: AbortSignal | undefined): Promise<HttpResult> {
  return ctx.env.http.request({
    url: `https://${endpoint.host}:${endpoint.port}/readyz`,
    ip,
    // No credential goes with it: any answer at all, verified or not, shows the packets arrived.
    insecure: true,
    headers: LARGE_REQUEST_HEADER,
    timeoutMs,
    signal,
  })
}

/** The MTU of one interface, as the OS reports it; undefined when it cannot be read. */
export async function interfaceMtu(ctx: SizeContext, iface: string): Promise<number | undefined> {
  const bound = { timeoutMs: 3000, signal: ctx.signal }
  if (ctx.env.platform === 'darwin') {
    const run = await ctx.env.exec('ifconfig', [iface], bound)
    return parseDarwinIfconfig(run.stdout).find((i) => i.name === iface)?.mtu
  }
  if (ctx.env.platform === 'win32') {
    const alias = iface.replace(/'/g, "''")
    const script = `Get-NetIPInterface -InterfaceAlias '${alias}' -AddressFamily IPv4 | Select-Object InterfaceAlias,InterfaceIndex,AddressFamily,NlMtu,ConnectionState | ConvertTo-Json`
    const run = await ctx.env.exec('powershell', ['-NoProfile', '-NonInteractive', '-Command', script], { ...bound, timeoutMs: 8000 })
    return parseWindowsIpInterface(run.stdout).find((i) => i.name === iface)?.mtu
  }
  const run = await ctx.env.exec('ip', ['-j', 'link', 'show', 'dev', iface], bound)
  return parseLinuxLinkJson(run.stdout).find((l) => l.name === iface)?.mtu
}

/** The interface the endpoint IP leaves through, when the route check found one. */
function routeInterface(ctx: SizeContext, ip: string): string | undefined {
  return ctx.get('routing.local-route')?.find((r) => r.ip === ip)?.lookup.interface ?? undefined
}

/** How to name the VPN router: the EC2 instance found, else the Tailscale peer that carries the IP. */
function routerName(ctx: SizeContext, ip: string): string | undefined {
  const router = ctx.get('network.source-cidr')?.router
  if (router) return router.name ? `${router.id} (${router.name})` : router.id
  const peers = ctx.get('routing.tailscale')?.status?.peers
  const covering = peers ? coveringPeer(peers, ip) : undefined
  return covering ? `${covering.peer.hostName} (the Tailscale subnet router for ${covering.cidr})` : undefined
}

async function pathFixes(ctx: SizeContext, ip: string): Promise<{ iface?: string; mtu?: number; fixes: Judgement['fixes'] }> {
  const iface = routeInterface(ctx, ip)
  const mtu = iface ? await interfaceMtu(ctx, iface) : undefined
  const fixes = [...(iface ? [buildVpnMtuFix({ iface, mtu, platform: ctx.env.platform })] : []), buildMssClampFix({ router: routerName(ctx, ip) })]
  return { iface, mtu, fixes }
}

function onInterface(iface: string | undefined, mtu: number | undefined): string {
  if (!iface) return ''
  return ` (the route leaves through ${iface}${mtu ? `, MTU ${mtu}` : ''})`
}

/**
 * TCP connected, the handshake timed out. A TLS 1.0-only hello gets a 7-byte alert from any live
 * server: when that comes back and the certificate flight does not, the path drops large packets
 * toward the workstation; when nothing comes back, the server side does not speak TLS at all.
 */
export async function judgeHandshakeTimeout(
  ctx: SizeContext,
  broken: { ip: string },
  port: number,
  servername: string | undefined,
  early?: Promise<SmallReply | undefined>,
): Promise<Judgement & { evidence: Record<string, unknown> }> {
  const [small, path] = await Promise.all([
    (async () => (await early) ?? ctx.env.tls.smallReply(broken.ip, port, { servername, timeoutMs: ctx.options.connectTimeoutMs, signal: ctx.signal }))(),
    pathFixes(ctx, broken.ip),
  ])
  const evidence = { smallReply: { ip: broken.ip, reply: small.reply, detail: small.message ?? null, ms: small.ms }, interface: path.iface ?? null, mtu: path.mtu ?? null }
  if (small.reply === 'alert' || small.reply === 'handshake') {
    return {
      status: 'fail',
      code: 'TLS_MTU_BLACKHOLE',
      category: 'routing',
      detail:
        `TCP to ${broken.ip} connects and a small TLS answer comes back (${small.message ?? small.reply}, ${small.ms} ms), but the certificate flight, in full-size packets, never arrives${onInterface(path.iface, path.mtu)}: ` +
        'packets over some size are dropped on the way back, with no ICMP "fragmentation needed" (a path MTU black hole); kubectl fails with "net/http: TLS handshake timeout"',
      evidence,
      fixes: path.fixes,
    }
  }
  const cut = small.reply === 'reset' || small.reply === 'closed'
  return {
    status: 'fail',
    code: 'TLS_TIMEOUT',
    category: 'routing',
    confirmed: false,
    alternatives: [{ category: 'tls', summary: cut ? 'a firewall that inspects TLS cuts the connection' : 'a middlebox accepts the connection for the endpoint and never speaks TLS' }],
    detail:
      `TCP to ${broken.ip} connects but no TLS comes back${cut ? ': even a small hello gets the connection cut' : ', not even the 7-byte alert any TLS server sends a TLS 1.0 hello'}: ` +
      'not a packet-size problem; something on the path takes the connection without being the API server (a transparent proxy, a firewall), or the API server does not answer',
    evidence,
  }
}

/**
 * The normal handshake completed and the padded one (the size kubectl's post-quantum hello has)
 * got no answer. A large request on a normal connection tells the two causes apart: when it is
 * answered, only large ClientHellos are dropped (a middlebox that reads TLS), and GODEBUG keeps
 * kubectl going; when it is not, the path drops every large packet toward the server (kubectl's
 * requests carry a token of more than a kilobyte), and only the MTU or MSS fix helps.
 */
export async function judgeLargeHelloDropped(
  ctx: SizeContext,
  dropped: { ip: string },
  endpoint: { host: string; port: number },
  early?: Promise<HttpResult | undefined>,
): Promise<Judgement & { evidence: Record<string, unknown> }> {
  const [path, large] = await Promise.all([
    pathFixes(ctx, dropped.ip),
    (async () => (await early) ?? largeRequest(ctx, dropped.ip, endpoint, ctx.options.connectTimeoutMs, ctx.signal))(),
  ])
  const requestArrived = large.status !== undefined
  const kubectl = ctx.get('env.tools')?.kubectl
  const goVersion = kubectl?.goVersion ?? undefined
  const who = kubectl?.version ? `kubectl ${kubectl.version}${goVersion ? ` (${goVersion})` : ''}` : 'kubectl built with Go 1.23 or later'
  const evidence = {
    largeHello: { ip: dropped.ip, answered: false },
    largeRequest: { ip: dropped.ip, answered: requestArrived, ...(requestArrived ? { status: large.status } : { error: large.message ?? large.code ?? null }), ms: large.ms },
    interface: path.iface ?? null,
    mtu: path.mtu ?? null,
  }
  const hello = `a TLS handshake with ${dropped.ip} completes, but one whose ClientHello is about 1.7 KB, the size ${who} sends with its post-quantum key share, gets no answer within ${ctx.options.connectTimeoutMs} ms${onInterface(path.iface, path.mtu)}`
  if (requestArrived) {
    return {
      status: 'fail',
      code: 'TLS_LARGE_HELLO_DROPPED',
      category: 'routing',
      detail: `${hello}, while a 1.6 KB request on a normal connection is answered (HTTP ${large.status}): something on the path drops large TLS ClientHellos only (a firewall or proxy that reads TLS); kubectl fails with "net/http: TLS handshake timeout"`,
      evidence,
      // The plain handshake worked: the checks after it go on, and every further broken link is found.
      assumption: WITH_SMALL_HELLO,
      fixes: [buildSmallHelloFix({ kubectl: kubectl?.version ?? undefined, goVersion })],
    }
  }
  return {
    status: 'fail',
    code: 'TLS_MTU_BLACKHOLE',
    category: 'routing',
    detail: `${hello}, and a 1.6 KB request on a normal connection gets no answer either: packets over some size are dropped on the way to the server, with no ICMP "fragmentation needed" (a path MTU black hole); kubectl fails with "net/http: TLS handshake timeout", and its requests, which carry a token of more than a kilobyte, would hang too`,
    evidence,
    assumption: WITH_SMALL_HELLO,
    fixes: path.fixes,
  }
}
