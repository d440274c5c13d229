/**
 * Builds and parses the Windows resolver lookup: the effective Name Resolution Policy Table
 * (`Get-DnsClientNrptPolicy -Effective`) and each interface's DNS servers
 * (`Get-DnsClientServerAddress`, joined with `Get-NetIPInterface` for the metric), printed as one
 * JSON document; also the default Format-List text of `Get-DnsClientNrptPolicy` and
 * `Get-DnsClientNrptRule` and the default table of `Get-DnsClientServerAddress`, which is what
 * users paste. Then picks the servers a name goes to.
 *
 * Quirks:
 * - Windows PowerShell 5.1 `ConvertTo-Json` writes a lone pipeline object without `[]`, enums as
 *   numbers (AddressFamily 2 = IPv4, 23 = IPv6), every CIM property plus CimClass,
 *   CimInstanceProperties and CimSystemProperties, and in some cases an array as
 *   `{"value": [...], "Count": n}`. The reader accepts all of these.
 * - Format-List prints arrays as `{a, b}` (wrapped onto indented lines when long, cut to `{a, b,
 *   c, d...}` past $FormatEnumerationLimit) and one-element NameServers without braces; the
 *   table view cuts long cells with `...`.
 * - The policy prints one entry per namespace; a rule prints its Name and all its namespaces.
 * - Windows PowerShell may prefix stdout with a byte-order mark.
 */
import { isIP } from 'node:net'

/** One NRPT entry: queries for names in `namespace` go to `nameServers`. */
export interface NrptRule {
  /** As Windows prints it: `.corp.example.com` (suffix), `host.example.com` (FQDN), `server1` (prefix), `.` (any). */
  namespace: string
  /** The rule's generic DNS servers; empty for an exemption or a DirectAccess-only rule. */
  nameServers: string[]
  /** The Name (a GUID, `DA-{...}` for DirectAccess) of the Get-DnsClientNrptRule rule; the policy does not say. */
  source?: string
  /** DnsSecEnabled of a rule; for a policy entry, which has none, DnsSecValidationRequired. */
  dnsSecEnabled?: boolean
  /** DirectAccessEnabled; blank in the output means undefined. */
  directAccess?: boolean
  /** DirectAccessDnsServers, which answer only while DirectAccess is connected. */
  directAccessServers?: string[]
}

/** The DNS servers of one interface for one address family. */
export interface InterfaceDns {
  alias: string
  index?: number
  family: 4 | 6
  servers: string[]
  /** InterfaceMetric from Get-NetIPInterface; lower is preferred. */
  metric?: number
}

/** What parseWindowsDns read: the effective NRPT and the interfaces' DNS servers. */
export interface WindowsDnsConfig {
  nrpt: NrptRule[]
  interfaces: InterfaceDns[]
  /** Why the NRPT could not be read; the NRPT list is then empty but not known to be. */
  nrptError?: string
}

/** The servers chooseWindowsResolver picked for a host, the rule or interface behind them, and why. */
export interface WindowsResolverChoice {
  servers: string[]
  rule?: NrptRule
  interface?: InterfaceDns
  why: string
}

type JsonObject = Record<string, unknown>

// Get-DnsClientServerAddress lists these on IPv6 interfaces that have no DNS server configured
// (every such row in the fixtures); they are placeholders, not servers anyone configured.
const UNCONFIGURED_IPV6_SERVERS = new Set(['fec0:0:0:ffff::1', 'fec0:0:0:ffff::2', 'fec0:0:0:ffff::3'])
// The loopback pseudo-interface only ever carries those placeholders; no query leaves through it.
const LOOPBACK_ALIAS = /^Loopback Pseudo-Interface/i

// Written without double quotes: Node quotes argv for CreateProcess and powershell.exe re-parses
// the -Command text, so a literal " would need escaping that differs between the two.
const WINDOWS_DNS_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  // Progress records from the CIM cmdlets would arrive on stderr as CLIXML.
  "$ProgressPreference = 'SilentlyContinue'",
  // Interface aliases are localized ("Connexion au réseau local* 1"); the OEM code page would mangle them.
  '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8',
  '$r = [ordered]@{ Nrpt = @(); NrptError = $null; Interfaces = @(); InterfaceError = $null }',
  // -Effective is the merged local and Group Policy table the DNS client answers from.
  'try { $r.Nrpt = @(Get-DnsClientNrptPolicy -Effective | Select-Object Namespace, NameServers, DirectAccessEnabled, DirectAccessDnsServers, DnsSecValidationRequired) } catch { $r.NrptError = $_.Exception.Message }',
  // Without Get-NetIPInterface the interfaces still print, only without metric and state.
  '$ip = @{}',
  "try { Get-NetIPInterface | ForEach-Object { $ip[('{0}/{1}' -f $_.InterfaceIndex, [int]$_.AddressFamily)] = $_ } } catch { }",
  "try { $r.Interfaces = @(Get-DnsClientServerAddress | ForEach-Object { $i = $ip[('{0}/{1}' -f $_.InterfaceIndex, [int]$_.AddressFamily)]; [pscustomobject]@{ InterfaceAlias = $_.InterfaceAlias; InterfaceIndex = $_.InterfaceIndex; AddressFamily = [int]$_.AddressFamily; ServerAddresses = $_.ServerAddresses; InterfaceMetric = $(if ($i) { $i.InterfaceMetric } else { $null }); Connected = $(if ($i) { ([string]$i.ConnectionState) -in @('Connected', '1') } else { $null }) } }) } catch { $r.InterfaceError = $_.Exception.Message }",
  // A dictionary serialises as one JSON object in both Windows PowerShell 5.1 and PowerShell 7.
  '$r | ConvertTo-Json -Depth 4',
].join('; ')

/** The argv after the `powershell` binary; the script prints one JSON object for parseWindowsDns. */
export function windowsDnsArgs(): string[] {
  return ['-NoProfile', '-NonInteractive', '-Command', WINDOWS_DNS_SCRIPT]
}

/**
 * Reads the JSON of the windowsDnsArgs() command. Also takes a bare dump of the cmdlets'
 * objects (`Get-DnsClientNrptPolicy | ConvertTo-Json`, one object or an array): anything with a
 * Namespace is an NRPT entry, anything with InterfaceAlias and ServerAddresses an interface.
 * Never throws; unreadable input gives empty lists.
 */
export function parseWindowsDns(stdout: string): WindowsDnsConfig {
  const config: WindowsDnsConfig = { nrpt: [], interfaces: [] }
  const parsed = readJson(stdout)
  if (parsed === undefined) return config

  let items: unknown[]
  if (isObject(parsed) && ('Nrpt' in parsed || 'Interfaces' in parsed)) {
    items = [...toArray(parsed.Nrpt), ...toArray(parsed.Interfaces)]
    const error = readString(parsed.NrptError)
    if (error !== undefined) config.nrptError = error
  } else {
    items = toArray(parsed)
  }

  for (const item of items) {
    if (!isObject(item)) continue
    if (item.Namespace !== undefined) config.nrpt.push(...readJsonNrpt(item))
    else if (item.InterfaceAlias !== undefined) {
      const entry = readJsonInterface(item)
      if (entry !== undefined) config.interfaces.push(entry)
    }
  }
  return config
}

/**
 * Reads the default (Format-List) text of `Get-DnsClientNrptPolicy` or `Get-DnsClientNrptRule`,
 * prompts and all. A rule with several namespaces gives one entry per namespace; a record
 * without a Namespace line (the tail of a cut-off paste) is skipped.
 */
export function parseNrptList(text: string): NrptRule[] {
  const rules: NrptRule[] = []
  for (const record of readListRecords(text)) {
    const namespaces = splitList(record.get('namespace'))
    if (namespaces.length === 0) continue
    const rule = buildRule(
      splitList(record.get('nameservers')),
      splitList(record.get('directaccessdnsservers')),
      readBoolean(record.get('directaccessenabled')),
      readBoolean(record.get('dnssecenabled') ?? record.get('dnssecvalidationrequired')),
      readString(record.get('name')),
    )
    for (const namespace of namespaces) rules.push({ ...rule, namespace })
  }
  return rules
}

/**
 * Reads the default table of `Get-DnsClientServerAddress` (the one users paste). The table has
 * no metric. A cell the console cut (`{fec0:0:0:ffff::1, fec...`) keeps only its whole addresses.
 */
export function parseDnsClientServerAddressTable(text: string): InterfaceDns[] {
  const interfaces: InterfaceDns[] = []
  for (const rawLine of stripBom(text).split(/\r?\n/)) {
    // The family column anchors the row, so aliases ending in a digit ("Ethernet 2") still split.
    const match = /^\s*(\S.*?)\s+(\d+)\s+(IPv4|IPv6)\s+(\{.*)$/.exec(rawLine.trimEnd())
    if (match === null) continue
    const cell = match[4] as string
    const closed = cell.endsWith('}')
    const servers = splitList(closed ? cell : cell.replace(/[^,{]*$/, ''))
    interfaces.push({ alias: (match[1] as string).trim(), index: Number(match[2]), family: match[3] === 'IPv4' ? 4 : 6, servers })
  }
  return interfaces
}

/**
 * Picks where the DNS client sends a query for `host`. NRPT first: of the entries whose
 * namespace matches, the most specific wins (a child namespace over its parent, an FQDN over a
 * suffix, anything over `.`). A match with no servers is an exemption and falls through to the
 * interfaces, whose servers are returned lowest InterfaceMetric first: Windows asks the
 * preferred interface first and may ask the others too.
 */
export function chooseWindowsResolver(config: WindowsDnsConfig, host: string): WindowsResolverChoice {
  const name = host.trim().toLowerCase().replace(/\.$/, '')
  if (isIP(name) !== 0) return { servers: [], why: `${host} is an IP address, so no DNS query is made` }

  const match = bestNrptMatch(config.nrpt, name)
  if (match !== undefined) {
    const { rule, kind } = match
    const what = `NRPT ${kind} rule "${rule.namespace}"${rule.source !== undefined ? ` (${rule.source})` : ''}`
    if (rule.nameServers.length > 0) {
      return { servers: [...rule.nameServers], rule, why: `${what} matches ${name}, so the query goes to ${rule.nameServers.join(', ')} and not to the interfaces' servers` }
    }
    if (rule.directAccess === true && rule.directAccessServers !== undefined && rule.directAccessServers.length > 0) {
      return {
        servers: [...rule.directAccessServers],
        rule,
        why: `${what} matches ${name} and is a DirectAccess rule: while DirectAccess is connected the query goes to ${rule.directAccessServers.join(', ')}`,
      }
    }
    return { ...chooseInterfaces(config.interfaces, name, `${what} matches ${name} but names no DNS server (an exemption), so`), rule }
  }

  const unread = config.nrptError !== undefined ? ` (the NRPT could not be read: ${config.nrptError}; a rule may have been missed)` : ''
  return chooseInterfaces(config.interfaces, name, `no NRPT rule matches ${name}${unread}, so`)
}

type MatchKind = 'FQDN' | 'suffix' | 'prefix' | 'any'

function bestNrptMatch(rules: NrptRule[], name: string): { rule: NrptRule; kind: MatchKind } | undefined {
  let best: { rule: NrptRule; kind: MatchKind; score: number } | undefined
  for (const rule of rules) {
    const scored = scoreNamespace(rule.namespace, name)
    // Ties keep the first entry: Windows applies neither of two conflicting GPO rules, and the
    // effective policy it prints is what it applies, so a tie there is not expected.
    if (scored !== undefined && (best === undefined || scored.score > best.score)) best = { rule, ...scored }
  }
  return best === undefined ? undefined : { rule: best.rule, kind: best.kind }
}

/** How specific a matching namespace is; undefined when it does not match the name. */
function scoreNamespace(rawNamespace: string, name: string): { kind: MatchKind; score: number } | undefined {
  const namespace = rawNamespace.trim().toLowerCase()
  if (namespace === '') return undefined
  if (namespace === '.') return { kind: 'any', score: 0 }
  if (namespace.startsWith('.')) {
    // "any name that ends in .contoso.com": the bare domain itself does not end in ".contoso.com".
    return name.endsWith(namespace) ? { kind: 'suffix', score: labelCount(namespace) * 4 + 2 } : undefined
  }
  const fqdn = namespace.replace(/\.$/, '')
  if (!fqdn.includes('.')) {
    // A flat name is a prefix rule: it matches the host-name label under any domain. Its rank
    // below every suffix is a guess; Microsoft does not rank prefix rules against suffix rules.
    return name.split('.')[0] === fqdn ? { kind: 'prefix', score: 1 } : undefined
  }
  return name === fqdn ? { kind: 'FQDN', score: labelCount(fqdn) * 4 + 3 } : undefined
}

function labelCount(domain: string): number {
  return domain.split('.').filter((label) => label !== '').length
}

function chooseInterfaces(interfaces: InterfaceDns[], name: string, lead: string): WindowsResolverChoice {
  const usable = interfaces
    .filter((entry) => !LOOPBACK_ALIAS.test(entry.alias))
    .map((entry) => ({ entry, servers: entry.servers.filter((server) => !UNCONFIGURED_IPV6_SERVERS.has(server.toLowerCase())) }))
    .filter(({ servers }) => servers.length > 0)
  // Array.prototype.sort is stable, so equal or unknown metrics keep the cmdlet's order.
  usable.sort((a, b) => (a.entry.metric ?? Number.MAX_SAFE_INTEGER) - (b.entry.metric ?? Number.MAX_SAFE_INTEGER))

  const first = usable[0]
  if (first === undefined) return { servers: [], why: `${lead} the interfaces decide, but no interface has a DNS server` }

  const servers = [...new Set(usable.flatMap(({ servers: list }) => list))]
  const metric = first.entry.metric !== undefined ? ` (metric ${first.entry.metric})` : ' (metric unknown)'
  const others = usable.length > 1 ? `, then the other interfaces' servers` : ''
  return {
    servers,
    interface: first.entry,
    why: `${lead} ${name} goes to the DNS servers of the preferred interface ${first.entry.alias}${metric}, ${first.servers.join(', ')}${others}`,
  }
}

function buildRule(
  nameServers: string[],
  directAccessServers: string[],
  directAccess: boolean | undefined,
  dnsSecEnabled: boolean | undefined,
  source: string | undefined,
): Omit<NrptRule, 'namespace'> {
  const rule: Omit<NrptRule, 'namespace'> = { nameServers }
  if (source !== undefined) rule.source = source
  if (dnsSecEnabled !== undefined) rule.dnsSecEnabled = dnsSecEnabled
  if (directAccess !== undefined) rule.directAccess = directAccess
  if (directAccessServers.length > 0) rule.directAccessServers = directAccessServers
  return rule
}

function readJsonNrpt(item: JsonObject): NrptRule[] {
  const namespaces = readStringList(item.Namespace)
  const rule = buildRule(
    readStringList(item.NameServers),
    readStringList(item.DirectAccessDnsServers),
    readJsonBoolean(item.DirectAccessEnabled),
    readJsonBoolean(item.DnsSecEnabled ?? item.DnsSecValidationRequired),
    readString(item.Name),
  )
  return namespaces.map((namespace) => ({ ...rule, namespace }))
}

function readJsonInterface(item: JsonObject): InterfaceDns | undefined {
  const alias = readString(item.InterfaceAlias)
  const family = readFamily(item.AddressFamily)
  // Windows sends no query on a disconnected interface, whatever servers it keeps configured.
  if (alias === undefined || family === undefined || item.Connected === false) return undefined
  const entry: InterfaceDns = { alias, family, servers: readStringList(item.ServerAddresses) }
  const index = readInteger(item.InterfaceIndex)
  if (index !== undefined) entry.index = index
  const metric = readInteger(item.InterfaceMetric)
  if (metric !== undefined) entry.metric = metric
  return entry
}

function readFamily(value: unknown): 4 | 6 | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().toLowerCase() : ''
  // 2 and 23 are AF_INET and AF_INET6 on Windows, what the CIM property holds.
  if (text === '2' || text === 'ipv4') return 4
  if (text === '23' || text === 'ipv6') return 6
  return undefined
}

/** Splits the text into Format-List records: key to value, keys lower-cased. */
function readListRecords(text: string): Map<string, string>[] {
  const records: Map<string, string>[] = []
  let current: Map<string, string> | undefined
  let lastKey: string | undefined
  const close = (): void => {
    if (current !== undefined && current.size > 0) records.push(current)
    current = undefined
    lastKey = undefined
  }
  for (const rawLine of stripBom(text).split(/\r?\n/)) {
    const line = rawLine.trimEnd()
    if (line.trim() === '' || /^PS [^>]*>/.test(line.trim())) {
      close()
      continue
    }
    // Format-List pads every key to the longest, so a key line always has a space before the
    // colon; IPv6 addresses on continuation lines ("fd7a:115c::53") never do.
    const keyLine = /^\s*([A-Za-z][A-Za-z0-9]*) +:(?: (.*))?$/.exec(line)
    if (keyLine !== null) {
      const key = (keyLine[1] as string).toLowerCase()
      // A repeated key means the blank line between two records was lost in the paste.
      if (current !== undefined && current.has(key)) close()
      current ??= new Map()
      current.set(key, (keyLine[2] ?? '').trim())
      lastKey = key
    } else if (current !== undefined && lastKey !== undefined) {
      current.set(lastKey, `${current.get(lastKey) ?? ''} ${line.trim()}`.trim())
    }
  }
  close()
  return records
}

/** `{a, b}`, `a`, `a; b` or `{a, b, c, d...}` as a list; empty for a blank value. */
function splitList(value: string | undefined): string[] {
  if (value === undefined) return []
  return value
    .replace(/^\{/, '')
    .replace(/\}$/, '')
    .replace(/(?:\.\.\.|…)$/, '')
    .split(/[,;]/)
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function readBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined
  const text = value.trim().toLowerCase()
  if (text === 'true') return true
  if (text === 'false') return false
  return undefined
}

function readJson(stdout: string): unknown {
  const text = stripBom(stdout).trim()
  // Anything PowerShell printed before the document (a warning on stdout) is skipped.
  const start = text.search(/[[{]/)
  if (start === -1) return undefined
  try {
    return JSON.parse(text.slice(start)) as unknown
  } catch {
    return undefined
  }
}

/** A JSON value as a list: null is empty, a lone value is one item, `{value, Count}` is its value. */
function toArray(value: unknown): unknown[] {
  if (value === null || value === undefined) return []
  if (Array.isArray(value)) return value
  if (isObject(value) && Array.isArray(value.value) && 'Count' in value) return value.value
  return [value]
}

function readStringList(value: unknown): string[] {
  return toArray(value).flatMap((item) => (typeof item === 'string' ? splitList(item) : []))
}

function readJsonBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value
  return typeof value === 'string' ? readBoolean(value) : undefined
}

function readInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value.trim())
  return undefined
}

function readString(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  return text === '' ? undefined : text
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function stripBom(text: string): string {
  return text.replace(/^\uFEFF/, '')
}
