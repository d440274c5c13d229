/**
 * A fake ProbeEnv for unit tests: every door to the outside world answers from a table given by
 * the test, and anything the test did not foresee fails loudly (flutter's FakeProcessManager idea).
 *
 * - exec is scripted: each entry is matched by argv (file basename or regex, exact args), consumed
 *   once, in any order, so concurrent probes may call in any order. An unexpected call throws and
 *   is recorded; assertAllConsumed() fails on leftovers and on recorded unexpected calls.
 * - dns, net, tls, http and aws answer from tables keyed by host/ip(/port); a miss throws.
 * - fs.readText answers from a path → text map and gives undefined for other paths (as the real one).
 */
import { readFileSync } from 'node:fs'
import { basename, posix, win32 } from 'node:path'
import { isIP } from 'node:net'
import type { AwsCallOptions, AwsClients, AwsResult, ClusterInfo } from '../../src/aws/clients.js'
import { probeContext } from '../../src/engine/run.js'
import type {
  AnyProbe,
  CheckResult,
  DataOf,
  FailureCode,
  Probe,
  ProbeId,
  ProbeOutcome,
  RunOptions,
  Target,
} from '../../src/engine/types.js'
import type {
  ConnectResult,
  ExecOptions,
  ExecResult,
  HandshakeResult,
  HttpRequest,
  HttpResult,
  LookupResult,
  Platform,
  ProbeEnv,
  SmallReply,
} from '../../src/platform/env.js'
import type { TailscalePeer } from '../../src/platform/parsers/tailscale-status.js'
import type { TailscaleState } from '../../src/probes/routing/tailscale.js'

/** One expected subprocess run and what it prints. */
export interface ScriptedCall {
  /** The binary: a bare name matches the basename of the path run (`dig` matches `/usr/bin/dig`), a path matches exactly, a RegExp is tested against the path. Absent: any binary. */
  file?: string | RegExp
  args: string[]
  stdout?: string
  stderr?: string
  exitCode?: number | null
  timedOut?: boolean
  notFound?: boolean
  durationMs?: number
}

/** A strict, scripted exec. */
export interface ScriptedExec {
  exec(file: string, args: string[], o: ExecOptions): Promise<ExecResult>
  /** Every call made, in call order, with its options. */
  readonly calls: { file: string; args: string[]; options: ExecOptions }[]
  /** Scripted entries not called yet. */
  remaining(): ScriptedCall[]
  /** Fails when scripted calls were left over or an unexpected call was made. */
  assertAllConsumed(): void
}

function showFile(file: string | RegExp | undefined): string {
  if (file === undefined) return '<any>'
  return typeof file === 'string' ? file : file.toString()
}

function showCall(file: string | RegExp | undefined, args: string[]): string {
  return [showFile(file), ...args.map((a) => (/[\s"'|]/.test(a) ? JSON.stringify(a) : a))].join(' ')
}

function fileMatches(expected: string | RegExp | undefined, actual: string): boolean {
  if (expected === undefined) return true
  if (expected instanceof RegExp) return expected.test(actual)
  if (/[\\/]/.test(expected)) return expected === actual
  const base = basename(actual.replace(/\\/g, '/'))
  return base === expected || base.toLowerCase() === `${expected.toLowerCase()}.exe`
}

function argsMatch(expected: string[], actual: string[]): boolean {
  return expected.length === actual.length && expected.every((a, i) => a === actual[i])
}

/** Builds a strict exec from expected calls; see ScriptedCall. */
export function script(entries: ScriptedCall[]): ScriptedExec {
  const pending = entries.map((entry) => ({ entry, used: false }))
  const calls: ScriptedExec['calls'] = []
  const unexpected: string[] = []
  return {
    calls,
    async exec(file, args, options) {
      calls.push({ file, args: [...args], options })
      const slot = pending.find((p) => !p.used && fileMatches(p.entry.file, file) && argsMatch(p.entry.args, args))
      if (!slot) {
        const left = pending.filter((p) => !p.used).map((p) => `  - ${showCall(p.entry.file, p.entry.args)}`)
        const message =
          `unexpected exec: ${showCall(file, args)}\n` +
          (left.length ? `still expected:\n${left.join('\n')}` : 'no scripted call is left')
        unexpected.push(message)
        throw new Error(message)
      }
      slot.used = true
      const e = slot.entry
      return {
        exitCode: e.notFound ? null : e.timedOut ? null : (e.exitCode === undefined ? 0 : e.exitCode),
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
        timedOut: e.timedOut ?? false,
        notFound: e.notFound ?? false,
        durationMs: e.durationMs ?? 3,
      }
    },
    remaining: () => pending.filter((p) => !p.used).map((p) => p.entry),
    assertAllConsumed() {
      const left = pending.filter((p) => !p.used).map((p) => `  - ${showCall(p.entry.file, p.entry.args)}`)
      const problems = [...unexpected]
      if (left.length) problems.push(`scripted calls never made:\n${left.join('\n')}`)
      if (problems.length) throw new Error(problems.join('\n'))
    },
  }
}

/** An answer in a dns table: the addresses (shorthand for ok), or a whole LookupResult. */
export type DnsAnswer = string[] | LookupResult

/** An answer in a net table: 'ok', a failure code, or a whole ConnectResult. */
export type NetAnswer = 'ok' | FailureCode | ConnectResult

/** A HandshakeResult with the boring fields optional. */
export type TlsAnswer = Partial<HandshakeResult> & Pick<HandshakeResult, 'ok'>

/** A ClusterInfo (found) or a whole AwsResult (found or not). */
export type DescribeAnswer = ClusterInfo | AwsResult<ClusterInfo>
export type ListAnswer = string[] | AwsResult<string[]>

export interface FakeEnvOptions {
  platform?: Platform
  vars?: Record<string, string | undefined>
  /** Scripted calls, or a ScriptedExec built with script(). Default: no call expected. */
  exec?: ScriptedExec | ScriptedCall[]
  /** name → path; anything else is not installed. */
  which?: Record<string, string>
  dns?: {
    /** host → answer of getaddrinfo. */
    lookup?: Record<string, DnsAnswer>
    /** server → host → answer of that server. */
    resolve?: Record<string, Record<string, DnsAnswer>>
  }
  /** `ip:port` → answer. */
  net?: Record<string, NetAnswer>
  tls?: {
    /**
     * `ip:port` → handshake result; `ip:port large` → the answer to the padded ClientHello, which
     * without its own row is the plain one's (a path that carries large hellos as well).
     */
    handshakes?: Record<string, TlsAnswer>
    /** `ip:port` → what a TLS 1.0-only hello gets back; asked only after a handshake timed out. */
    smallReplies?: Record<string, Omit<SmallReply, 'ms'>>
    /** Which leaf chains to which CA; any pair not listed fails loudly. */
    issuedBy?: { leaf: string; ca: string; issued: boolean }[]
  }
  /** `url @ip` (direct), `url via proxy` (through a proxy) or `url` → answer. */
  http?: Record<string, Omit<HttpResult, 'ms'> & { ms?: number }>
  aws?: {
    /** `region/name` → answer. */
    describeCluster?: Record<string, DescribeAnswer>
    /** region → answer. */
    listClusters?: Record<string, ListAnswer>
    /** Any other AWS call, answered by the test's own function; a call with none fails loudly. */
    calls?: Partial<Omit<AwsClients, 'describeCluster' | 'listClusters'>>
  }
  /** path → file text. */
  files?: Record<string, string>
  /** path → size and mtime, as fs.stat answers (undefined for other paths). */
  stats?: Record<string, { size: number; mtimeMs: number }>
  /**
   * path → whether this user may write it, as fs.writable answers. Paths not listed: writable when
   * they are in files or stats or a directory above one of them, else they do not exist (undefined).
   */
  writable?: Record<string, boolean>
  /** name → value already in the persistent cache. */
  cache?: Record<string, unknown>
  home?: string
  now?: number
}

/** What the fake recorded, for assertions on how the probe asked. */
export interface FakeRecord {
  lookups: { host: string; timeoutMs: number }[]
  resolves: { host: string; server: string; timeoutMs: number }[]
  connects: { ip: string; port: number; timeoutMs: number }[]
  handshakes: { ip: string; port: number; servername?: string; caPem?: string; timeoutMs: number; largeHello?: boolean }[]
  smallReplies: { ip: string; port: number; timeoutMs: number }[]
  requests: HttpRequest[]
  describeCluster: { name: string; options: AwsCallOptions }[]
  listClusters: AwsCallOptions[]
  reads: string[]
  stats: string[]
  writableChecks: string[]
  cacheWrites: { name: string; value: unknown }[]
}

export type FakeEnv = ProbeEnv & {
  script: ScriptedExec
  record: FakeRecord
  /** Loud failures raised by the fake (also thrown where they happened). */
  problems: string[]
  /** Fails on leftover scripted calls and on any unexpected call to any fake. */
  assertAllConsumed(): void
}

export const FIXED_NOW = Date.UTC(2026, 10, 29, 3, 0, 0)

function toLookup(answer: DnsAnswer): LookupResult {
  if (!Array.isArray(answer)) return answer
  return { ok: true, addresses: answer.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 })), ms: 2 }
}

function toConnect(answer: NetAnswer): ConnectResult {
  if (typeof answer !== 'string') return answer
  if (answer === 'ok') return { ok: true, localAddress: '100.101.102.103', ms: 12 }
  return { ok: false, code: answer, message: answer.toLowerCase(), ms: answer === 'TCP_TIMEOUT' ? 2000 : 5 }
}

function isAwsResult<T>(value: unknown): value is AwsResult<T> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'ok' in value
}

const OTHER_AWS_CALLS = [
  'getCallerIdentity',
  'getRole',
  'describeEndpointEnis',
  'describeVpcs',
  'describeSecurityGroups',
  'getPrefixListCidrs',
  'describeRouteTables',
  'describePeerings',
  'describeNacls',
  'describeInstance',
  'describeInstances',
  'describeClientVpnEndpoints',
  'describeClientVpnTargetNetworks',
  'describeClientVpnAuthorizationRules',
  'describeClientVpnRoutes',
  'describeSubnets',
  'describeTransitGateways',
  'describeTransitGatewayAttachments',
  'describeTransitGatewayVpcAttachments',
  'describeTransitGatewayRouteTables',
  'searchTransitGatewayRoutes',
  'getTransitGatewayRouteTableAssociations',
  'getTransitGatewayRouteTablePropagations',
  'listAccessEntries',
  'describeAccessEntry',
  'eksToken',
] as const satisfies readonly (keyof AwsClients)[]

/** Calls with an answer when the test gives none: an account without AWS Client VPN endpoints, and no VPC attached to a transit gateway. */
const QUIET_AWS_CALLS: Partial<AwsClients> = {
  describeClientVpnEndpoints: async () => ({ ok: true, value: [], ms: 1 }),
  describeTransitGatewayAttachments: async () => ({ ok: true, value: [], ms: 1 }),
}

function otherAwsCalls(given: Partial<AwsClients>, loud: (message: string) => never): Omit<AwsClients, 'describeCluster' | 'listClusters'> {
  return Object.fromEntries(
    OTHER_AWS_CALLS.map((name) => [
      name,
      given[name] ?? QUIET_AWS_CALLS[name] ?? (async (...args: unknown[]) => loud(`unexpected aws.${name}(${JSON.stringify(args[0])}); give it in aws.calls`)),
    ]),
  ) as unknown as Omit<AwsClients, 'describeCluster' | 'listClusters'>
}

/** A failed AWS call as src/aws/clients.ts returns it. */
export function awsError(code: FailureCode, message: string, extra: { errorName?: string; action?: string } = {}): AwsResult<never> {
  return { ok: false, code, message, ms: 40, ...extra }
}

/** A full ProbeEnv whose every door answers from the given tables. */
export function fakeEnv(o: FakeEnvOptions = {}): FakeEnv {
  const problems: string[] = []
  const loud = (message: string): never => {
    problems.push(message)
    throw new Error(message)
  }
  const exec = Array.isArray(o.exec) ? script(o.exec) : (o.exec ?? script([]))
  const record: FakeRecord = {
    lookups: [],
    resolves: [],
    connects: [],
    handshakes: [],
    smallReplies: [],
    requests: [],
    describeCluster: [],
    listClusters: [],
    reads: [],
    stats: [],
    writableChecks: [],
    cacheWrites: [],
  }
  // A copy, so what the probe writes never changes the test's table.
  const cacheStore = new Map<string, unknown>(Object.entries(structuredClone(o.cache ?? {})))
  // Every file given, and every directory above one, exists.
  const existing = new Set<string>()
  const dirname = (p: string) => (p.includes('\\') ? win32.dirname(p) : posix.dirname(p))
  for (const path of [...Object.keys(o.files ?? {}), ...Object.keys(o.stats ?? {})]) {
    for (let p = path; !existing.has(p); p = dirname(p)) {
      existing.add(p)
      if (dirname(p) === p) break
    }
  }
  const keys = (table: object | undefined) => Object.keys(table ?? {}).join(', ') || '(none)'

  const env: FakeEnv = {
    platform: o.platform ?? 'linux',
    vars: o.vars ?? {},
    script: exec,
    record,
    problems,
    exec: (file, args, options) => exec.exec(file, args, options),
    which: async (name) => o.which?.[name],
    dns: {
      async lookup(host, opts) {
        record.lookups.push({ host, timeoutMs: opts.timeoutMs })
        const answer = o.dns?.lookup?.[host]
        if (answer === undefined) return loud(`unexpected dns.lookup(${host}); the table has: ${keys(o.dns?.lookup)}`)
        return toLookup(answer)
      },
      async resolve(host, server, opts) {
        record.resolves.push({ host, server, timeoutMs: opts.timeoutMs })
        const answer = o.dns?.resolve?.[server]?.[host]
        if (answer === undefined) return loud(`unexpected dns.resolve(${host}) @${server}; the table has servers: ${keys(o.dns?.resolve)}`)
        return toLookup(answer)
      },
    },
    net: {
      async connect(ip, port, opts) {
        record.connects.push({ ip, port, timeoutMs: opts.timeoutMs })
        const answer = o.net?.[`${ip}:${port}`]
        if (answer === undefined) return loud(`unexpected net.connect(${ip}:${port}); the table has: ${keys(o.net)}`)
        return toConnect(answer)
      },
    },
    tls: {
      async handshake(ip, port, opts) {
        record.handshakes.push({ ip, port, servername: opts.servername, caPem: opts.caPem, timeoutMs: opts.timeoutMs, ...(opts.largeHello ? { largeHello: true } : {}) })
        const answer = (opts.largeHello ? o.tls?.handshakes?.[`${ip}:${port} large`] : undefined) ?? o.tls?.handshakes?.[`${ip}:${port}`]
        if (answer === undefined) return loud(`unexpected tls.handshake(${ip}:${port}); the table has: ${keys(o.tls?.handshakes)}`)
        return { verified: false, chain: [], ms: 20, ...answer }
      },
      async smallReply(ip, port, opts) {
        record.smallReplies.push({ ip, port, timeoutMs: opts.timeoutMs })
        const answer = o.tls?.smallReplies?.[`${ip}:${port}`]
        if (answer === undefined) return loud(`unexpected tls.smallReply(${ip}:${port}); the table has: ${keys(o.tls?.smallReplies)}`)
        return { ms: 15, ...answer }
      },
      issuedBy(leaf, ca) {
        const row = o.tls?.issuedBy?.find((r) => r.leaf === leaf && r.ca === ca)
        if (!row) return loud(`unexpected tls.issuedBy(leaf ${JSON.stringify(leaf.slice(0, 40))}, ca ${JSON.stringify(ca.slice(0, 40))})`)
        return row.issued
      },
    },
    http: {
      async request(req) {
        record.requests.push(req)
        const key = req.proxy ? `${req.url} via ${req.proxy}` : req.ip ? `${req.url} @${req.ip}` : req.url
        const answer = o.http?.[key] ?? (req.proxy || req.ip ? undefined : o.http?.[req.url])
        if (answer === undefined) return loud(`unexpected http.request(${key}); the table has: ${keys(o.http)}`)
        return { ms: 30, ...answer }
      },
    },
    aws: {
      ...otherAwsCalls(o.aws?.calls ?? {}, loud),
      async describeCluster(name, options) {
        record.describeCluster.push({ name, options })
        const answer = o.aws?.describeCluster?.[`${options.region}/${name}`]
        if (answer === undefined) {
          return loud(`unexpected aws.describeCluster(${name}) in ${options.region}; the table has: ${keys(o.aws?.describeCluster)}`)
        }
        return isAwsResult<ClusterInfo>(answer) ? answer : { ok: true, value: answer, ms: 50 }
      },
      async listClusters(options) {
        record.listClusters.push(options)
        const answer = o.aws?.listClusters?.[options.region]
        if (answer === undefined) return loud(`unexpected aws.listClusters() in ${options.region}; the table has: ${keys(o.aws?.listClusters)}`)
        return isAwsResult<string[]>(answer) ? answer : { ok: true, value: answer, ms: 50 }
      },
    },
    fs: {
      async readText(path) {
        record.reads.push(path)
        return o.files?.[path]
      },
      async stat(path) {
        record.stats.push(path)
        return o.stats?.[path]
      },
      async writable(path) {
        record.writableChecks.push(path)
        if (o.writable && path in o.writable) return o.writable[path]
        return existing.has(path) ? true : undefined
      },
      homedir: () => o.home ?? '/home/tester',
    },
    cache: {
      async read<T>(name: string) {
        return structuredClone(cacheStore.get(name)) as T | undefined
      },
      async write(name, value) {
        record.cacheWrites.push({ name, value: structuredClone(value) })
        cacheStore.set(name, structuredClone(value))
      },
    },
    clock: { now: () => o.now ?? FIXED_NOW },
    assertAllConsumed() {
      const all = [...problems]
      try {
        exec.assertAllConsumed()
      } catch (error) {
        all.push((error as Error).message)
      }
      if (all.length) throw new Error([...new Set(all)].join('\n'))
    },
  }
  return env
}

/** A Target with the required fields filled in. */
export function makeTarget(partial: Partial<Target> = {}): Target {
  return { resolvers: [], canI: [], sources: {}, ...partial }
}

export const DEFAULT_OPTIONS: RunOptions = { mode: 'check', connectTimeoutMs: 2000, totalTimeoutMs: 30_000 }

export interface RunProbeInput {
  env: FakeEnv
  target?: Partial<Target>
  options?: Partial<RunOptions>
  /** The data of earlier probes, as ctx.get serves it. */
  data?: Partial<Record<ProbeId, unknown>>
  /** The finished results of earlier probes, as ctx.result serves them. */
  results?: Partial<Record<ProbeId, CheckResult>>
  /** Leave the strictness check to the test (default: every scripted call must be used). */
  allowLeftover?: boolean
}

/**
 * Runs one probe alone, as the engine would (applies first), then checks that the fake saw no
 * unexpected call and, unless allowLeftover, that every scripted exec was used.
 */
export async function runProbe<Id extends ProbeId, Needs extends ProbeId, Uses extends ProbeId>(probe: Probe<Id, Needs, Uses>, input: RunProbeInput): Promise<ProbeOutcome<DataOf<Id>>> {
  const target = makeTarget(input.target)
  const options: RunOptions = { ...DEFAULT_OPTIONS, ...input.options }
  const applies = probe.applies?.(target, options) ?? true
  if (applies !== true) return { status: 'skip', detail: applies }
  const controller = new AbortController()
  const ctx = probeContext(
    probe,
    { env: input.env, target, options, signal: controller.signal },
    (id) => input.data?.[id],
    (id) => input.results?.[id],
  )
  const outcome = (await (probe as AnyProbe).run(ctx)) as ProbeOutcome<DataOf<Id>>
  if (input.allowLeftover) {
    if (input.env.problems.length) throw new Error(input.env.problems.join('\n'))
  } else {
    input.env.assertAllConsumed()
  }
  return outcome
}

/** The text of a file under test/fixtures (see test/fixtures/SOURCES.md). */
export function readFixture(path: string): string {
  return readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')
}

/** One recorded run of a tool, as test/fixtures/{ip-route,dig}/record.sh store them. */
export interface Capture {
  command: string[]
  exitCode: number
  stdout: string
  stderr: string
}

export function readCapture(path: string): Capture {
  return JSON.parse(readFixture(path)) as Capture
}

/** A DescribeCluster answer with sensible defaults for a private-only, ACTIVE cluster. */
export function clusterInfo(partial: Partial<ClusterInfo> & { name: string }): ClusterInfo {
  return {
    status: 'ACTIVE',
    version: '1.31',
    endpointPrivateAccess: true,
    endpointPublicAccess: false,
    publicAccessCidrs: [],
    subnetIds: [],
    securityGroupIds: [],
    ...partial,
  }
}

/** A tailnet node as parseTailscaleStatus returns it. */
export function tailscalePeer(partial: Partial<TailscalePeer> & { hostName: string; tailscaleIPs: string[] }): TailscalePeer {
  return {
    id: `n${partial.hostName}CNTRL`,
    dnsName: `${partial.hostName}.tail1234.ts.net.`,
    os: 'linux',
    online: true,
    active: true,
    exitNode: false,
    allowedIPs: partial.tailscaleIPs.map((ip) => `${ip}/${isIP(ip) === 6 ? 128 : 32}`),
    primaryRoutes: [],
    ...partial,
  }
}

/** What routing.tailscale hands on, for the probes that read it. */
export function tailscaleState(o: {
  backendState?: string
  peers?: TailscalePeer[]
  routeAll?: boolean
  acceptRoutesHealthWarning?: boolean
  path?: string
}): TailscaleState {
  const health = o.acceptRoutesHealthWarning ? ['Some peers are advertising routes but --accept-routes is false'] : []
  return {
    path: o.path ?? '/usr/bin/tailscale',
    status: {
      version: '1.76.1-t0123456789',
      backendState: o.backendState ?? 'Running',
      health,
      peers: o.peers ?? [],
      acceptRoutesHealthWarning: Boolean(o.acceptRoutesHealthWarning),
    },
    ...(o.routeAll === undefined ? {} : { prefs: { routeAll: o.routeAll, advertiseRoutes: [] } }),
  }
}
