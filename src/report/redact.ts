/**
 * Resolving sensitive values for output. Without --redact a Sensitive prints raw (secrets never);
 * with --redact every account id (also inside ARNs), public IP and EKS endpoint's unique host
 * part is replaced by its stable mask, in evidence and in every sentence that quotes it.
 */
import { isPublicAddress } from '../platform/cidr.js'
import { endpointTag, isSensitive, maskValue, type Sensitive } from '../engine/sensitive.js'

const ARN_ACCOUNT = /(arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:)(\d{12})(?=:)/g
const ACCOUNT_FIELD = /\b(\d{12})\b/g
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g
// Candidate IPv6 addresses (at least two colons); each is checked with node:net before it is masked.
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,7}|[0-9A-Fa-f]{1,4})(?![\w:])/g
// The unique part of an EKS endpoint host (eks.amazonaws.com, the dual-stack api.aws, their China
// forms), also when a command escapes its dots (sed, grep).
const EKS_HOST_UNIQUE = /\b[0-9A-Fa-f]{32}(?=(?:\\?\.[A-Za-z0-9-]+)*?\\?\.(?:eks\\?\.amazonaws\\?\.com|api\\?\.aws|api\\?\.amazonwebservices\\?\.com\\?\.cn)\b)/g

export type Redactor = (text: string) => string

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function collectSensitive(value: unknown, found: Sensitive[]): void {
  if (isSensitive(value)) found.push(value)
  else if (Array.isArray(value)) for (const item of value) collectSensitive(item, found)
  else if (value && typeof value === 'object') for (const item of Object.values(value)) collectSensitive(item, found)
}

export function createRedactor(source: unknown, redact: boolean): Redactor {
  const marked: Sensitive[] = []
  collectSensitive(source, marked)
  // Secrets are masked in every output; the rest only under --redact.
  const replacements = marked.filter((s) => redact || s.$sensitive === 'secret').sort((a, b) => b.raw.length - a.raw.length)
  const accounts = new Set(marked.filter((s) => s.$sensitive === 'account').map((s) => s.raw))
  return (text: string) => {
    let out = text
    for (const s of replacements) {
      if (!s.raw) continue
      out = s.$sensitive === 'endpoint-host' ? out.replace(new RegExp(escapeRegExp(s.raw), 'gi'), s.masked) : out.split(s.raw).join(s.masked)
    }
    if (!redact) return out
    out = out.replace(ARN_ACCOUNT, (_, prefix: string, account: string) => `${prefix}${maskValue('account', account)}`)
    out = out.replace(ACCOUNT_FIELD, (match: string) => (accounts.has(match) ? maskValue('account', match) : match))
    out = out.replace(EKS_HOST_UNIQUE, (unique: string) => endpointTag(unique))
    out = out.replace(IPV4, (ip: string) => (isPublicAddress(ip) ? maskValue('public-ip', ip) : ip))
    out = out.replace(IPV6, (ip: string) => (isPublicAddress(ip) ? maskValue('public-ip', ip) : ip))
    return out
  }
}

/** A plain JSON copy of `value` with every Sensitive resolved and every string redacted as asked. */
export function resolveForOutput<T>(value: T, redactor: Redactor, redact: boolean): T {
  const walk = (v: unknown): unknown => {
    if (isSensitive(v)) return v.$sensitive === 'secret' || redact ? v.masked : redactor(v.raw)
    if (typeof v === 'string') return redactor(v)
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, item] of Object.entries(v)) if (item !== undefined) out[k] = walk(item)
      return out
    }
    return v
  }
  return walk(value) as T
}
