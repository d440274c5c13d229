/**
 * Values that must be masked are wrapped where they are created, so `--redact` is a rendering
 * choice and not a search afterwards. Secrets are never printed, redacted or not.
 */
import { createHash } from 'node:crypto'

export type SensitiveKind = 'account' | 'public-ip' | 'endpoint-host' | 'secret'

/** A value that renderers print raw, or masked under --redact; secrets are always masked. */
export interface Sensitive {
  $sensitive: SensitiveKind
  raw: string
  masked: string
}

export function sensitive(kind: SensitiveKind, raw: string): Sensitive {
  return { $sensitive: kind, raw, masked: maskValue(kind, raw) }
}

export function isSensitive(value: unknown): value is Sensitive {
  return typeof value === 'object' && value !== null && '$sensitive' in value && 'raw' in value
}

/** The mask of the unique first label of an EKS endpoint host. */
export function endpointTag(unique: string): string {
  return `ENDPOINT-${createHash('sha256').update(`endpoint-host:${unique.toLowerCase()}`).digest('hex').slice(0, 6)}`
}

/** The same input always gets the same mask, so a redacted report still correlates. */
export function maskValue(kind: SensitiveKind, raw: string): string {
  if (kind === 'secret') return '[secret]'
  const tag = createHash('sha256').update(`${kind}:${raw}`).digest('hex').slice(0, 6)
  switch (kind) {
    case 'account':
      return `ACCOUNT-${tag}`
    case 'public-ip':
      return `PUBLIC-IP-${tag}`
    case 'endpoint-host': {
      // Keep the cell, region and suffix: they help support; the unique part identifies the customer.
      // The tag comes from the unique part alone, case-folded, so free-text matches get the same mask.
      const dot = raw.indexOf('.')
      const unique = dot > 0 ? raw.slice(0, dot) : raw
      return `${endpointTag(unique)}${dot > 0 ? raw.slice(dot).toLowerCase() : ''}`
    }
  }
}
