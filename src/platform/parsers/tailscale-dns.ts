/**
 * Parses `tailscale dns status` (added in Tailscale 1.74.0) in its text form and in the
 * `--json` form added in 1.96.0 (tsdnsjsonv0.StatusResponse), from tailscale/tailscale
 * cmd/tailscale/cli/dns-status.go.
 *
 * Text quirks, all from the source and the published outputs:
 * - "Tailscale DNS: enabled." is the --accept-dns pref (CorpDNS); everything below "MagicDNS" is
 *   what the coordination server sent, which this device ignores when that pref is off.
 * - When the daemon has no tailnet (logged out) the output stops after "No tailnet information
 *   available; ..."; the --json form then holds only TailscaleDNS.
 * - A split-DNS route prints one `  - <domain padded to 30> -> <resolver>` line per resolver, in
 *   sorted domain order; routes without resolvers (suffixes that 100.100.100.100 answers itself)
 *   are not printed at all. Domains appear as control sent them, some with a trailing dot
 *   ("ts.net.") and some without ("ipinfo.io").
 * - Placeholders are indented and parenthesised ("  (no search domains configured)"); the
 *   wording changed between releases, so no placeholder text is matched.
 * - "Search Domains:" (tailnet) and "Search domains:" (system) differ only in case.
 * - The MagicDNS suffix is printed only when MagicDNS is enabled.
 */

/** One split-DNS route: queries under `domain` go to `resolvers`. */
export interface TailscaleSplitDnsRoute {
  domain: string
  /** Plain IPs, IP:port, DoH URLs, or `http://<tailnet-ip>:<port>/dns-query` for a peer's resolver. */
  resolvers: string[]
}

/** What Tailscale believes the operating system's own resolver configuration is. */
export interface TailscaleSystemDns {
  nameservers: string[]
  searchDomains: string[]
  /** Printed in text only with --all. */
  matchDomains: string[]
}

/** What `tailscale dns status [--json]` says about Tailscale DNS on this device. */
export interface TailscaleDnsStatus {
  /** Which form was read; undefined when neither was recognised (an error message, an old CLI). */
  format?: 'text' | 'json'
  /** The --accept-dns pref (ipn.Prefs.CorpDNS); undefined when the output does not say. */
  tailscaleDns?: boolean
  /** False when the daemon reported no tailnet (logged out); the fields below are then empty. */
  tailnetInfo: boolean
  magicDns?: boolean
  /** e.g. "tail1234.ts.net", without dots around it. */
  magicDnsSuffix?: string
  /** This device's FQDN, with the trailing dot. */
  selfDnsName?: string
  /** Global resolvers in preference order; empty means the system resolvers are used. */
  resolvers: string[]
  splitDnsRoutes: TailscaleSplitDnsRoute[]
  /** Printed in text only with --all. */
  fallbackResolvers: string[]
  searchDomains: string[]
  systemDns?: TailscaleSystemDns
  /** Why the system configuration could not be read ("not supported on this platform" and such). */
  systemDnsError?: string
}

type JsonObject = Record<string, unknown>

type Section =
  | 'resolvers'
  | 'routes'
  | 'fallback'
  | 'search'
  | 'other'
  | 'system'
  | 'systemNameservers'
  | 'systemSearch'
  | 'systemMatch'

// Unindented headings that open a list of `  - item` lines. The tailnet and system ones never
// share a spelling ("Search Domains:" / "Search domains:"), so no heading needs context.
const HEADINGS = new Map<string, Section>([
  ['Resolvers (in preference order):', 'resolvers'],
  ['Split DNS Routes:', 'routes'],
  ['Fallback Resolvers:', 'fallback'],
  ['Search Domains:', 'search'],
  ['Nameservers IP Addresses:', 'other'],
  ['Certificate Domains:', 'other'],
  ['Additional DNS Records:', 'other'],
  ['Filtered suffixes when forwarding DNS queries as an exit node:', 'other'],
  ['=== System DNS configuration ===', 'system'],
  ['Nameservers:', 'systemNameservers'],
  ['Search domains:', 'systemSearch'],
  ['Match domains:', 'systemMatch'],
])

const SYSTEM_ERROR =
  /^\((?:failed to read system DNS configuration: (.*)|reading the system DNS configuration is (not supported on this platform))\)$/

/** Reads `tailscale dns status` text or `--json`; never throws, unknown input gives an empty status. */
export function parseTailscaleDnsStatus(text: string): TailscaleDnsStatus {
  const trimmed = text.replace(/^\uFEFF/, '').trim()
  if (trimmed.startsWith('{')) {
    const parsed = parseJson(trimmed)
    if (isObject(parsed)) return readJson(parsed)
  }
  return readText(text)
}

function emptyStatus(): TailscaleDnsStatus {
  return { tailnetInfo: false, resolvers: [], splitDnsRoutes: [], fallbackResolvers: [], searchDomains: [] }
}

function readText(text: string): TailscaleDnsStatus {
  const status = emptyStatus()
  let section: Section | undefined
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trimEnd()
    const heading = HEADINGS.get(line)
    if (heading !== undefined) {
      section = heading
      // "Nameservers:" is printed only when Tailscale could read the OS configuration.
      if (heading === 'systemNameservers') status.systemDns ??= { nameservers: [], searchDomains: [], matchDomains: [] }
      continue
    }
    if (readHeadline(status, line)) continue

    const item = /^\s+- (.+)$/.exec(line)?.[1]?.trim()
    switch (section) {
      case 'resolvers':
        if (item !== undefined) status.resolvers.push(stripBootstrap(item))
        break
      case 'routes':
        if (item !== undefined) addRoute(status, item)
        break
      case 'fallback': {
        // Numbered, not bulleted ("  0: 1.1.1.1"). Before 1.96 the line held Go's %v of the whole
        // *dnstype.Resolver, "&{1.1.1.1 []}" (later "&{1.1.1.1 [] false}"); its first field is the address.
        const numbered = /^\s+\d+: (?:&\{(\S+?)[\s}]|(.+)$)/.exec(line)
        const fallback = (numbered?.[1] ?? numbered?.[2])?.trim()
        if (fallback !== undefined) status.fallbackResolvers.push(stripBootstrap(fallback))
        break
      }
      case 'search':
        if (item !== undefined) status.searchDomains.push(item)
        break
      case 'system': {
        const error = SYSTEM_ERROR.exec(line.trim())
        if (error !== null) status.systemDnsError = error[1] ?? error[2]
        break
      }
      case 'systemNameservers':
        if (item !== undefined) status.systemDns?.nameservers.push(item)
        break
      case 'systemSearch':
        if (item !== undefined) status.systemDns?.searchDomains.push(item)
        break
      case 'systemMatch':
        if (item !== undefined) status.systemDns?.matchDomains.push(item)
        break
      default:
        break
    }
  }
  return status
}

/** The one-line facts printed before the lists; true when `line` was one of them. */
function readHeadline(status: TailscaleDnsStatus, line: string): boolean {
  const accept = /^Tailscale DNS: (enabled|disabled)\./.exec(line)
  if (accept !== null) {
    status.format = 'text'
    status.tailscaleDns = accept[1] === 'enabled'
    return true
  }
  const magic = /^MagicDNS: (enabled|disabled) tailnet-wide(?: \(suffix = ([^)\s]+)\))?/.exec(line)
  if (magic !== null) {
    status.format = 'text'
    status.tailnetInfo = true
    status.magicDns = magic[1] === 'enabled'
    if (magic[2] !== undefined) status.magicDnsSuffix = magic[2]
    return true
  }
  const self = /^Other devices in your tailnet can reach this device at (\S+)$/.exec(line)
  if (self !== null) {
    status.selfDnsName = self[1] as string
    return true
  }
  if (line.startsWith('No tailnet information available')) {
    status.format = 'text'
    status.tailnetInfo = false
    return true
  }
  return false
}

// `ts.net.                        -> 199.247.155.53` (bootstrap addresses may follow).
function addRoute(status: TailscaleDnsStatus, item: string): void {
  const match = /^(\S+)\s+-> (\S+)/.exec(item)
  if (match === null) return
  const [, domain, resolver] = match as unknown as [string, string, string]
  const route = status.splitDnsRoutes.find((r) => r.domain === domain)
  if (route === undefined) status.splitDnsRoutes.push({ domain, resolvers: [resolver] })
  else route.resolvers.push(resolver)
}

// ` (bootstrap: [8.8.8.8 8.8.4.4])` follows a DoH resolver whose host control pre-resolved.
function stripBootstrap(item: string): string {
  return item.replace(/\s+\(bootstrap: .*\)$/, '')
}

function readJson(root: JsonObject): TailscaleDnsStatus {
  const status = emptyStatus()
  status.format = 'json'
  if (typeof root.TailscaleDNS === 'boolean') status.tailscaleDns = root.TailscaleDNS
  if (isObject(root.CurrentTailnet)) {
    const tailnet = root.CurrentTailnet
    status.tailnetInfo = true
    if (typeof tailnet.MagicDNSEnabled === 'boolean') status.magicDns = tailnet.MagicDNSEnabled
    const suffix = readString(tailnet.MagicDNSSuffix)
    if (suffix !== undefined) status.magicDnsSuffix = suffix
    const self = readString(tailnet.SelfDNSName)
    if (self !== undefined) status.selfDnsName = self
  }
  status.resolvers = readResolvers(root.Resolvers)
  if (isObject(root.SplitDNSRoutes)) {
    // encoding/json writes map keys sorted, as the text form lists them.
    for (const domain of Object.keys(root.SplitDNSRoutes).sort()) {
      status.splitDnsRoutes.push({ domain, resolvers: readResolvers(root.SplitDNSRoutes[domain]) })
    }
  }
  status.fallbackResolvers = readResolvers(root.FallbackResolvers)
  status.searchDomains = readStrings(root.SearchDomains)
  if (isObject(root.SystemDNS)) {
    status.systemDns = {
      nameservers: readStrings(root.SystemDNS.Nameservers),
      searchDomains: readStrings(root.SystemDNS.SearchDomains),
      matchDomains: readStrings(root.SystemDNS.MatchDomains),
    }
  }
  const systemError = readString(root.SystemDNSError)
  if (systemError !== undefined) status.systemDnsError = systemError
  return status
}

function readResolvers(value: unknown): string[] {
  if (!Array.isArray(value)) return []
  return value.flatMap((r) => {
    const addr = isObject(r) ? readString(r.Addr) : undefined
    return addr === undefined ? [] : [addr]
  })
}

function readStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : []
}

function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
