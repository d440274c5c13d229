/**
 * Parses `tailscale status --json` (ipnstate.Status, Go field names) and `tailscale debug prefs`
 * (ipn.Prefs). The LocalAPI `/localapi/v0/status` answer is the same struct, compact.
 *
 * Quirks seen in real outputs across 1.48 to 1.102:
 * - Go encodes empty slices as null (`"Health": null`, `"Addrs": null`); both read as [].
 * - `AllowedIPs` only exists since ~1.52, `PrimaryRoutes` is omitted when empty, `Tags` too.
 * - Times are RFC 3339 and the zero time is "0001-01-01T00:00:00Z", meaning never.
 * - The --accept-routes health text changed wording in 2026 ("... is false" became
 *   "... is disabled (legacy default). To fix that, ..."), so it is matched by its stable prefix.
 * - `--json` exits 0 whatever the BackendState; it is the state that says whether it runs.
 */

/** One node of the tailnet as `tailscale status --json` reports it (Self or a Peer value). */
export interface TailscalePeer {
  id: string
  hostName: string
  dnsName: string
  os: string
  online: boolean
  active: boolean
  exitNode: boolean
  tailscaleIPs: string[]
  allowedIPs: string[]
  primaryRoutes: string[]
  curAddr?: string
  /** The peer's known endpoints (ip:port), public and private. */
  addrs?: string[]
  relay?: string
  lastSeen?: string
}

/** What `tailscale status --json` says about this client and its tailnet. */
export interface TailscaleStatus {
  version: string
  backendState: string
  tun?: boolean
  health: string[]
  tailnet?: string
  self?: TailscalePeer
  peers: TailscalePeer[]
  /** Health has "Some peers are advertising routes but --accept-routes is false" (or its newer wording). */
  acceptRoutesHealthWarning: boolean
}

/** The stable keys of `tailscale debug prefs` (ipn.Prefs). */
export interface TailscalePrefs {
  routeAll?: boolean
  exitNodeId?: string
  corpDNS?: boolean
  wantRunning?: boolean
  advertiseRoutes: string[]
  noSNAT?: boolean
}

const ACCEPT_ROUTES_WARNING_PREFIX = 'Some peers are advertising routes but --accept-routes'
const ZERO_TIME = '0001-01-01T00:00:00Z'

type JsonObject = Record<string, unknown>

/** Reads `tailscale status --json`; throws a one-line Error on non-JSON or on JSON without BackendState. */
export function parseTailscaleStatus(json: string): TailscaleStatus {
  const root = parseObject(json, 'tailscale status --json')
  const backendState = readString(root.BackendState)
  if (backendState === undefined) throw new Error('tailscale status --json: no BackendState in the output')

  const health = readStrings(root.Health)
  const status: TailscaleStatus = {
    version: readString(root.Version) ?? '',
    backendState,
    health,
    peers: isObject(root.Peer) ? Object.values(root.Peer).filter(isObject).map(readPeer) : [],
    acceptRoutesHealthWarning: health.some((line) => line.startsWith(ACCEPT_ROUTES_WARNING_PREFIX)),
  }
  if (typeof root.TUN === 'boolean') status.tun = root.TUN
  const tailnet = isObject(root.CurrentTailnet) ? readString(root.CurrentTailnet.Name) : undefined
  if (tailnet !== undefined) status.tailnet = tailnet
  if (isObject(root.Self)) status.self = readPeer(root.Self)
  return status
}

/** Reads `tailscale debug prefs`; throws a one-line Error on non-JSON. */
export function parseTailscalePrefs(json: string): TailscalePrefs {
  const root = parseObject(json, 'tailscale debug prefs')
  const prefs: TailscalePrefs = { advertiseRoutes: readStrings(root.AdvertiseRoutes) }
  if (typeof root.RouteAll === 'boolean') prefs.routeAll = root.RouteAll
  const exitNodeId = readString(root.ExitNodeID)
  if (exitNodeId !== undefined) prefs.exitNodeId = exitNodeId
  if (typeof root.CorpDNS === 'boolean') prefs.corpDNS = root.CorpDNS
  if (typeof root.WantRunning === 'boolean') prefs.wantRunning = root.WantRunning
  if (typeof root.NoSNAT === 'boolean') prefs.noSNAT = root.NoSNAT
  return prefs
}

function readPeer(node: JsonObject): TailscalePeer {
  const peer: TailscalePeer = {
    id: readString(node.ID) ?? (typeof node.ID === 'number' ? String(node.ID) : ''),
    hostName: readString(node.HostName) ?? '',
    dnsName: readString(node.DNSName) ?? '',
    os: readString(node.OS) ?? '',
    online: node.Online === true,
    active: node.Active === true,
    exitNode: node.ExitNode === true,
    tailscaleIPs: readStrings(node.TailscaleIPs),
    allowedIPs: readStrings(node.AllowedIPs),
    primaryRoutes: readStrings(node.PrimaryRoutes),
  }
  const curAddr = readString(node.CurAddr)
  if (curAddr !== undefined) peer.curAddr = curAddr
  const addrs = readStrings(node.Addrs)
  if (addrs.length) peer.addrs = addrs
  const relay = readString(node.Relay)
  if (relay !== undefined) peer.relay = relay
  const lastSeen = readString(node.LastSeen)
  if (lastSeen !== undefined && lastSeen !== ZERO_TIME) peer.lastSeen = lastSeen
  return peer
}

function parseObject(json: string, what: string): JsonObject {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    const start = json.trim().split(/\r?\n/)[0]?.slice(0, 80) ?? ''
    throw new Error(`${what}: output is not JSON: ${JSON.stringify(start)}`)
  }
  if (!isObject(parsed)) throw new Error(`${what}: output is not a JSON object`)
  return parsed
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function readStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}
