/** The shared vocabulary of probes, the engine, fixes and renderers. */
import type { Category, FailureCode, Layer, ProbeId, Status } from './codes.js'
import type { Sensitive } from './sensitive.js'
import type { ExecInfo } from '../kube/kubeconfig.js'
import type { ProbeEnv } from '../platform/env.js'

export * from './codes.js'

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

/** A probe's judgement and the evidence behind it: the part of a check the probe decides. */
export interface Judgement {
  status: Status
  /** One sentence, the check's detail line. */
  detail: string
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
  /** A failure that follows from an earlier failed check (no route, so no TCP): not a broken link of its own. */
  explainedBy?: ProbeId
  /**
   * A failed check whose data later checks may still go on with, and the assumption they then
   * make ("with the ENI IPs from AWS"): every broken link is found in one run.
   */
  assumption?: string
  evidence?: Evidence
  fixes?: Fix[]
}

/** What a probe returns: its judgement, and the data later probes read. */
export interface ProbeOutcome<Out = unknown> extends Judgement {
  data?: Out
}

/** One row of the report: a judgement with the check's identity and timing. */
export interface CheckResult extends Judgement {
  id: ProbeId
  layer: Layer
  title: string
  evidence: Evidence
  skippedBecause?: ProbeId
  /** The assumptions of failed links this check ran on (their detail says so too). */
  assuming?: string[]
  durationMs: number
}

/** A broken link beyond the first, in path order. */
export interface FurtherLink {
  rootCause: ProbeId
  category: Category
  confirmed: boolean
  summary: string
}

export interface Verdict {
  status: 'ok' | 'warn' | 'fail' | 'inconclusive'
  category: Category | 'unexpected' | 'inconclusive'
  rootCause?: ProbeId
  confirmed: boolean
  alternatives: Alternative[]
  /** Every other broken link, in path order: the verdict stays the first one. */
  further: FurtherLink[]
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
  /** The AWS Client VPN endpoint the user connects through (--client-vpn-endpoint), and the user's access group on it (--client-vpn-group). */
  clientVpnEndpoint?: string
  clientVpnGroup?: string
  /** Extra access reviews, "verb resource [-n namespace]", from --can-i. */
  canI: string[]
  /** The kubeconfig user's exec credential plugin, when the context has one. */
  exec?: ExecInfo
  /** The kubeconfig file given with --kubeconfig (kubectl must be told it too). */
  kubeconfigFlag?: string
  /** Where each field came from, for the report. */
  sources: Record<string, string>
}

/** One hop of an endpoint IP's path, as the checks judged it. */
export interface PathHop {
  label: string
  state: 'ok' | 'broken' | 'not-reached' | 'unknown'
}

/** The path of one endpoint IP (ip is empty when the name itself did not resolve). */
export interface PathRow {
  ip: string
  hops: PathHop[]
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
  /** Each endpoint IP's path, hop by hop. */
  paths?: PathRow[]
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

/**
 * What each probe publishes for later probes, by probe id. Each probe file adds its own entry
 * next to its data type (`declare module '../../engine/types.js' { interface ProbeData { ... } }`),
 * so the engine never imports a probe.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ProbeData {}

/** The ids that publish data. */
export type DataId = keyof ProbeData & ProbeId

/** The data a probe of this id publishes; nothing for an id without an entry. */
export type DataOf<Id extends ProbeId> = ProbeId extends Id ? unknown : Id extends DataId ? ProbeData[Id] : never

/** What a running probe can see: the world, the target, and what the probes it declares found. */
export interface ProbeContext<Needs extends ProbeId = never, Uses extends ProbeId = never> {
  env: ProbeEnv
  target: Target
  options: RunOptions
  signal: AbortSignal
  /** The data of a prerequisite: it passed, so it published; a prerequisite that did not is a crash. */
  need: <K extends Needs & DataId>(id: K) => ProbeData[K]
  /** The data of a probe this one declares in `needs` or `uses`, if it produced any. */
  get: <K extends (Needs | Uses) & DataId>(id: K) => ProbeData[K] | undefined
  /**
   * The finished result of a probe this one declares. A property, not a method, so that its
   * parameter is checked strictly: a helper that asks for a context reading X accepts only probes
   * that declare X.
   */
  result: (id: Needs | Uses) => CheckResult | undefined
  /** The result of a declared probe once it has finished: for a probe that started early on it. */
  settled: (id: Needs | Uses) => Promise<CheckResult | undefined>
  /** Whether a declared probe of this run is still running (this one started early on it). */
  pending: (id: Needs | Uses) => boolean
  /** Let the probes that start early on this one begin now (a connection that looks dropped). */
  release: () => void
}

/** A context that may read `Reads`, for helpers shared by several probes. */
export type Reader<Reads extends ProbeId> = Pick<ProbeContext<never, Reads>, 'get' | 'result' | 'settled' | 'pending' | 'target'>

/** One link of the chain. The registry order is path order. */
export interface Probe<Id extends ProbeId = ProbeId, Needs extends ProbeId = ProbeId, Uses extends ProbeId = ProbeId> {
  id: Id
  layer: Layer
  title: string
  /** Prerequisites that must pass (or warn); otherwise this probe is skipped. */
  needs?: readonly Needs[]
  /** Probes whose data this one uses when present, without requiring them to pass. */
  uses?: readonly Uses[]
  /**
   * Like `uses`, but only when the run has them for its own sake: selecting this probe does not
   * pull them in (a name for a fix, a version for a sentence, never worth running a probe for).
   */
  reads?: readonly Uses[]
  /** Of `uses`, those whose `release()` is enough to start this probe; it awaits their end with `settled`. */
  early?: readonly Uses[]
  timeoutMs?: number
  /** true, or the reason this probe does not apply to the target. */
  applies?(target: Target, options: RunOptions): true | string
  run(ctx: ProbeContext<Needs, Uses>): Promise<ProbeOutcome<DataOf<Id>>>
}

/**
 * A probe, with the ids it reads inferred from `needs` and `uses`: `ctx.need` and `ctx.get` then
 * accept only those ids and return the type their owner publishes.
 */
export function defineProbe<const Id extends ProbeId, const Needs extends ProbeId = never, const Uses extends ProbeId = never>(
  probe: Probe<Id, Needs, Uses>,
): Probe<Id, Needs, Uses> {
  return probe
}

/** A probe as the engine and the registry hold it: its reads were checked where it was defined. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProbe = Probe<any, any, any>
