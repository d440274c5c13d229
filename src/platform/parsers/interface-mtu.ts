/**
 * Reads the MTU and the up/down state of network interfaces on the three platforms:
 * Linux `ip -j [-d] link show [dev X]` (also `ip -j addr show`, which carries the same link keys),
 * macOS `ifconfig` / `ifconfig [-v] utunN`, and Windows `Get-NetIPInterface`, as its default table
 * or piped through `ConvertTo-Json`.
 *
 * "up" means able to carry packets now, which each platform spells differently:
 * - Linux: flags hold both UP (administratively up) and LOWER_UP (carrier). A tun whose process is
 *   gone, or a cable-less NIC, shows `NO-CARRIER,...,UP` and no LOWER_UP.
 * - macOS: flags hold UP and RUNNING, and a `status: inactive` media line (no carrier) is absent;
 *   utun interfaces have no media line at all.
 * - Windows: ConnectionState is Connected. Rows are per address family, so one adapter appears
 *   twice (IPv4 and IPv6) and the two rows can carry different MTUs.
 */

/** One Linux link; `kind` is `linkinfo.info_kind` (tun, wireguard, veth, ...), printed only with `-d`. */
export interface LinuxLink {
  name: string
  mtu?: number
  up: boolean
  kind?: string
}

/** One macOS interface from `ifconfig`. */
export interface DarwinInterface {
  name: string
  mtu?: number
  up: boolean
}

/** One row of `Get-NetIPInterface` (one interface and one address family). */
export interface WindowsIpInterface {
  name: string
  index?: number
  addressFamily?: 'IPv4' | 'IPv6'
  /** NlMtu in bytes; the loopback pseudo-interface reports 4294967295 (no limit). */
  mtu?: number
  up: boolean
}

/** Reads `ip -j link show` JSON; anything that is not a JSON array of links gives []. */
export function parseLinuxLinkJson(stdout: string): LinuxLink[] {
  const parsed = parseJson(stdout)
  if (!Array.isArray(parsed)) return []
  const links: LinuxLink[] = []
  for (const item of parsed) {
    if (!isObject(item) || typeof item.ifname !== 'string') continue
    const flags = Array.isArray(item.flags) ? item.flags.filter((f): f is string => typeof f === 'string') : []
    const link: LinuxLink = { name: item.ifname, up: flags.includes('UP') && flags.includes('LOWER_UP') }
    const mtu = readNumber(item.mtu)
    if (mtu !== undefined) link.mtu = mtu
    const kind = isObject(item.linkinfo) ? item.linkinfo.info_kind : undefined
    if (typeof kind === 'string' && kind !== '') link.kind = kind
    links.push(link)
  }
  return links
}

// `utun4: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> mtu 1280` (`ifconfig -v` appends `index N`).
const DARWIN_HEADER = /^([^\s:]+): flags=[0-9a-fA-F]+<([^>]*)>(?:.*?\bmtu (\d+))?/

/** Reads macOS `ifconfig` (all interfaces or one); lines outside an interface block are skipped. */
export function parseDarwinIfconfig(stdout: string): DarwinInterface[] {
  const interfaces: DarwinInterface[] = []
  let current: { entry: DarwinInterface; flags: string[] } | undefined
  const finish = (): void => {
    if (current !== undefined) interfaces.push(current.entry)
    current = undefined
  }
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '')
    const header = DARWIN_HEADER.exec(line)
    if (header !== null) {
      finish()
      const flags = (header[2] ?? '').split(',')
      const entry: DarwinInterface = { name: header[1] as string, up: flags.includes('UP') && flags.includes('RUNNING') }
      if (header[3] !== undefined) entry.mtu = Number(header[3])
      current = { entry, flags }
      continue
    }
    if (current === undefined || !/^\s/.test(line)) {
      if (line.trim() !== '') finish()
      continue
    }
    const status = /^\s+status: (\S+)/.exec(line)
    if (status !== null && status[1] === 'inactive') current.entry.up = false
  }
  finish()
  return interfaces
}

// One data row of the default table, read from the right: the alias may hold spaces, `*`, `#`,
// parentheses or CJK text (padded by display width), the columns after it never do.
const WINDOWS_ROW =
  /^\s*(\d+)\s+(.+?)\s+(IPv4|IPv6)\s+(\d+)\s+(\d+)\s+(Enabled|Disabled)\s+(Connected|Disconnected)(?:\s+\S+)?\s*$/

/** Reads `Get-NetIPInterface` as its default table or as `ConvertTo-Json` (one object or an array). */
export function parseWindowsIpInterface(stdout: string): WindowsIpInterface[] {
  const text = stdout.replace(/^\uFEFF/, '').trim()
  if (text.startsWith('[') || text.startsWith('{')) return readWindowsJson(text)
  const rows: WindowsIpInterface[] = []
  for (const raw of text.split('\n')) {
    const match = WINDOWS_ROW.exec(raw.replace(/\r$/, ''))
    if (match === null) continue
    rows.push({
      name: match[2] as string,
      index: Number(match[1]),
      addressFamily: match[3] as 'IPv4' | 'IPv6',
      mtu: Number(match[4]),
      up: match[7] === 'Connected',
    })
  }
  return rows
}

function readWindowsJson(text: string): WindowsIpInterface[] {
  const parsed = parseJson(text)
  const items: unknown[] = Array.isArray(parsed) ? parsed : [parsed]
  const rows: WindowsIpInterface[] = []
  for (const item of items) {
    if (!isObject(item) || typeof item.InterfaceAlias !== 'string') continue
    const row: WindowsIpInterface = { name: item.InterfaceAlias, up: readConnected(item.ConnectionState) }
    const index = readNumber(item.InterfaceIndex) ?? readNumber(item.ifIndex)
    if (index !== undefined) row.index = index
    const family = readAddressFamily(item.AddressFamily)
    if (family !== undefined) row.addressFamily = family
    const mtu = readNumber(item.NlMtu)
    if (mtu !== undefined) row.mtu = mtu
    rows.push(row)
  }
  return rows
}

// ConvertTo-Json writes CIM enums as their numbers (Windows PowerShell 5.1, and PowerShell 7
// without -EnumsAsStrings); MSFT_NetIPInterface: ConnectionState 1 = Connected, AddressFamily
// 2 = IPv4 and 23 = IPv6 (the AF_INET / AF_INET6 values).
function readConnected(value: unknown): boolean {
  return value === 1 || value === 'Connected'
}

function readAddressFamily(value: unknown): 'IPv4' | 'IPv6' | undefined {
  if (value === 2 || value === 'IPv4') return 'IPv4'
  if (value === 23 || value === 'IPv6') return 'IPv6'
  return undefined
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function readNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}
