/**
 * Which proxy kubectl would use for a URL, by the rules of Go's net/http ProxyFromEnvironment
 * (golang.org/x/net/http/httpproxy): the first non-empty of HTTPS_PROXY/https_proxy, and
 * NO_PROXY/no_proxy matched against the URL's host as written, never against resolved IPs.
 */
import { isIP } from 'node:net'
import { cidrContains, isValidCidr } from './cidr.js'

/** The proxy decision for one URL, with the NO_PROXY entry that bypassed it. */
export interface ProxyDecision {
  proxy?: string
  variable?: string
  noProxy?: string
  noProxyVariable?: string
  bypassedBy?: string
  /** Why no proxy applies, when none does. */
  reason: 'no-proxy-set' | 'loopback' | 'no-proxy-match' | 'proxied'
}

const PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' }

function firstSet(vars: Readonly<Record<string, string | undefined>>, names: string[]): [string, string] | undefined {
  for (const name of names) {
    const value = vars[name]
    if (value) return [name, value]
  }
  return undefined
}

function normaliseProxyUrl(value: string): string {
  // Go retries a bogus value with "http://" in front, so "proxy:3128" means http://proxy:3128.
  return /^[a-z][a-z0-9+.-]*:\/\/[^/]/i.test(value) ? value : `http://${value}`
}

function splitHostPort(entry: string): [string, string] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry)
  if (bracketed) return [bracketed[1] ?? '', bracketed[2] ?? '']
  const colon = entry.lastIndexOf(':')
  if (colon > 0 && entry.indexOf(':') === colon && /^\d+$/.test(entry.slice(colon + 1))) {
    return [entry.slice(0, colon), entry.slice(colon + 1)]
  }
  return [entry, '']
}

function matchesEntry(entry: string, host: string, port: string): boolean {
  if (entry === '*') return true
  const hostIsIp = isIP(host) !== 0
  if (isValidCidr(entry)) return hostIsIp && cidrContains(entry, host)
  const [entryHost, entryPort] = splitHostPort(entry)
  if (!entryHost) return false
  const portOk = entryPort === '' || entryPort === port
  if (isIP(entryHost) !== 0) return hostIsIp && entryHost === host && portOk
  // Domain entries never match an IP literal host (x/net since 2022).
  if (hostIsIp) return false
  let domain = entryHost.startsWith('*.') ? entryHost.slice(1) : entryHost
  const matchHost = !domain.startsWith('.')
  if (matchHost) domain = `.${domain}`
  return (host.endsWith(domain) || (matchHost && host === domain.slice(1))) && portOk
}

/** Decide as Go's net/http would whether `url` goes through a proxy. */
export function decideProxy(url: string, vars: Readonly<Record<string, string | undefined>>): ProxyDecision {
  const parsed = new URL(url)
  const found =
    parsed.protocol === 'https:' ? firstSet(vars, ['HTTPS_PROXY', 'https_proxy']) : firstSet(vars, ['HTTP_PROXY', 'http_proxy'])
  const noProxyFound = firstSet(vars, ['NO_PROXY', 'no_proxy'])
  const base = { noProxy: noProxyFound?.[1], noProxyVariable: noProxyFound?.[0] }
  if (!found) return { ...base, reason: 'no-proxy-set' }
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const port = parsed.port || PORTS[parsed.protocol] || ''
  if (host === 'localhost' || (isIP(host) !== 0 && cidrContains(['127.0.0.0/8', '::1/128'], host))) {
    return { ...base, reason: 'loopback' }
  }
  for (const raw of (noProxyFound?.[1] ?? '').split(',')) {
    const entry = raw.trim().toLowerCase()
    if (entry && matchesEntry(entry, host, port)) return { ...base, reason: 'no-proxy-match', bypassedBy: raw.trim() }
  }
  return { ...base, proxy: normaliseProxyUrl(found[1]), variable: found[0], reason: 'proxied' }
}

/** A proxy URL fit to print: the password, if any, never appears. */
export function displayProxyUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (!parsed.password) return url
    parsed.password = '****'
    return parsed.toString().replace(/\/$/, '')
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:****@')
  }
}
