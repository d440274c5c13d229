/** The shared vocabulary of probes, the engine, fixes and renderers. */
import type { Sensitive } from '../report/sensitive.js'

/** Layers in path order: the order in which a request from the workstation meets them. */
export const LAYERS = [
  'env',
  'credentials',
  'cluster',
  'dns',
  'routing',
  'network',
  'tls',
  'apiserver',
  'authn',
  'authz',
  'kubeconfig',
] as const
export type Layer = (typeof LAYERS)[number]

export type Status = 'pass' | 'fail' | 'warn' | 'skip'
export type ProbeId = `${Layer}.${string}`

/** Verdict categories of design.md, each with its exit code. */
export const CATEGORY_EXIT_CODES = {
  ok: 0,
  credentials: 10,
  cluster: 11,
  kubeconfig: 12,
  proxy: 13,
  dns: 20,
  routing: 21,
  'security-group': 22,
  tls: 23,
  iam: 30,
  rbac: 31,
} as const
export type Category = keyof typeof CATEGORY_EXIT_CODES

export const EXIT_UNEXPECTED = 1
export const EXIT_USAGE = 2
export const EXIT_INCONCLUSIVE = 3

/** Stable failure codes: raw errors are normalised into these inside platform/. */
export type FailureCode =
  | 'DNS_NXDOMAIN'
  | 'DNS_NO_ANSWER'
  | 'DNS_NO_REPLY'
  | 'DNS_REFUSED'
  | 'DNS_SERVFAIL'
  | 'DNS_PUBLIC_ANSWER'
  | 'DNS_STALE_ANSWER'
  | 'ROUTE_NOT_VPN'
  | 'ROUTE_UNREACHABLE'
  | 'ROUTE_LOOKUP_FAILED'
  | 'VPN_PEER_OFFLINE'
  | 'VPN_NOT_RUNNING'
  | 'TCP_TIMEOUT'
  | 'TCP_REFUSED'
  | 'TCP_UNREACHABLE'
  | 'TCP_RESET'
  | 'TCP_PARTIAL'
  | 'TLS_TIMEOUT'
  | 'TLS_UNKNOWN_CA'
  | 'TLS_HOSTNAME_MISMATCH'
  | 'TLS_EXPIRED'
  | 'TLS_HANDSHAKE_FAILED'
  | 'TLS_STALE_CA'
  | 'HTTP_TIMEOUT'
  | 'HTTP_401'
  | 'HTTP_403'
  | 'HTTP_5XX'
  | 'HTTP_UNEXPECTED'
  | 'PROXY_UNREACHABLE'
  | 'PROXY_REFUSED_CONNECT'
  | 'PUBLIC_ENDPOINT_ENABLED'
  | 'PRIVATE_ENDPOINT_DISABLED'
  | 'CLUSTER_NOT_FOUND'
  | 'CLUSTER_NOT_ACTIVE'
  | 'AWS_ACCESS_DENIED'
  | 'AWS_NO_CREDENTIALS'
  | 'AWS_ERROR'
  | 'AWS_TIMEOUT'
  | 'AWS_CLOCK_SKEW'
  | 'AWS_EXPIRED_TOKEN'
  | 'AWS_SSO_EXPIRED'
  | 'AWS_UNKNOWN_PROFILE'
  | 'NO_SOURCE_NETWORK'
  | 'ROUTE_MISSING'
  | 'ROUTE_BLACKHOLE'
  | 'ROUTE_WRONG_TARGET'
  | 'PEERING_NOT_ACTIVE'
  | 'PEERING_DNS_OFF'
  | 'SG_NO_RULE'
  | 'NACL_DENY'
  | 'SOURCE_DEST_CHECK_ON'
  | 'VPN_NOT_FORWARDING'
  | 'VPC_DNS_OFF'
  | 'KUBECONFIG_MISMATCH'
  | 'TOOL_MISSING'
  | 'TIMEOUT'
  | 'PROBE_CRASHED'

/** Plain JSON evidence; sensitive values are wrapped where they are created. */
export type EvidenceValue =
  | string
  | number
  | boolean
  | null
  | Sensitive
  | EvidenceValue[]
  | { [key: string]: EvidenceValue | undefined }
export type Evidence = { [key: string]: EvidenceValue | undefined }

/** A structured, filled-in remedy: the real ids, ready to paste. */
export interface Fix {
  category: Category
  title: string
  why: string
  commands: string[]
  terraform?: string
  docs?: string
}

/** Another plausible cause, when the verdict is not confirmed. */
export interface Alternative {
  category: Category
  summary: string
}

/** What a probe returns: a judgement plus the evidence behind it. */
export interface ProbeOutcome<Out = unknown> {
  status: Status
  /** One sentence, the check's detail line. */
  summary: string
  code?: FailureCode
  /** The verdict category when this check is the root cause (defaults per layer). */
  category?: Category
  /** Whether the evidence proves the cause (default true for a fail). */
  confirmed?: boolean
  alternatives?: Alternative[]
  /** A failure that explains an earlier symptom (the SG that drops the SYN behind a TCP timeout). */
  refines?: ProbeId
  /** The symptom in a few words, for a verdict that a later check refines. */
  headline?: string
  evidence?: Evidence
  data?: Out
  fixes?: Fix[]
}

/** One row of the report: a probe outcome with its identity and timing. */
export interface CheckResult {
  id: ProbeId
  layer: Layer
  status: Status
  title: string
  detail: string
  code?: FailureCode
  category?: Category
  confirmed?: boolean
  alternatives?: Alternative[]
  refines?: ProbeId
  headline?: string
  evidence: Evidence
  fixes?: Fix[]
  skippedBecause?: ProbeId
  durationMs: number
}

export interface Verdict {
  status: 'ok' | 'warn' | 'fail' | 'inconclusive'
  category: Category | 'unexpected' | 'inconclusive'
  rootCause?: ProbeId
  confirmed: boolean
  alternatives: Alternative[]
  summary: string
}

/** What to check: every field is optional until resolution fills it in. */
export interface Target {
  cluster?: string
  region?: string
  profile?: string
  endpoint?: string
  context?: string
  kubeconfigPath?: string
  /** PEM of the CA the user's configuration trusts (kubeconfig or --ca-file). */
  caPem?: string
  caSource?: string
  roleArn?: string
  /** The kubeconfig cluster's proxy-url, which kubectl prefers over the environment. */
  proxyUrl?: string
  /** Extra resolvers to ask, from --resolver. */
  resolvers: string[]
  /** What the cluster sees as the source of VPN traffic, when the user knows it (--source-cidr). */
  sourceCidr?: string
  /** The VPN router instance, by id (--vpn-instance) or private IP (--vpn-ip). */
  vpnInstance?: string
  vpnIp?: string
  /** Extra access reviews, "verb resource [-n namespace]", from --can-i. */
  canI: string[]
  /** The kubeconfig user's exec credential plugin, when the context has one. */
  exec?: import('../kube/kubeconfig.js').ExecInfo
  /** The kubeconfig file given with --kubeconfig (kubectl must be told it too). */
  kubeconfigFlag?: string
  /** Where each field came from, for the report. */
  sources: Record<string, string>
}

export interface Report {
  schemaVersion: 1
  tool: { name: 'eksdoctor'; version: string }
  startedAt: string
  durationMs: number
  target: {
    cluster?: string
    region?: string
    endpoint?: string
    context?: string
    profile?: string
  }
  verdict: Verdict
  checks: CheckResult[]
  fixes: Fix[]
  /** Facts about the machine, for support tickets. */
  host?: { os: string; release: string; arch: string; node: string }
  tools?: Record<string, string | null>
}

/** Options every probe may read: the user's bounds and asks. */
export interface RunOptions {
  /** check walks the path from here; audit reads only AWS, as the platform team's checklist. */
  mode: 'check' | 'audit'
  /** audit --require-private: a public endpoint is a failure, not a warning. */
  requirePrivate?: boolean
  /** Bound for one connection attempt (TCP, TLS, HTTP headers), in ms. */
  connectTimeoutMs: number
  /** Bound for the whole run, in ms. */
  totalTimeoutMs: number
}

/** What a running probe can see: the world, the target, and the results of earlier probes. */
export interface ProbeContext {
  env: import('../platform/env.js').ProbeEnv
  target: Target
  options: RunOptions
  signal: AbortSignal
  /** The data of an earlier probe (a `needs` or `uses` entry), if it produced any. */
  get<T>(id: ProbeId): T | undefined
  /** The finished result of an earlier probe. */
  result(id: ProbeId): CheckResult | undefined
}

/** One link of the chain. The registry order is path order. */
export interface Probe<Out = unknown> {
  id: ProbeId
  layer: Layer
  title: string
  /** Prerequisites that must pass (or warn); otherwise this probe is skipped. */
  needs?: ProbeId[]
  /** Probes whose data this one uses when present, without requiring them to pass. */
  uses?: ProbeId[]
  timeoutMs?: number
  /** true, or the reason this probe does not apply to the target. */
  applies?(target: Target, options: RunOptions): true | string
  run(ctx: ProbeContext): Promise<ProbeOutcome<Out>>
}
