/**
 * Parses `dig +short +time=T +tries=1 [@server] name A|AAAA`.
 *
 * Quirks (BIND 9.18, recorded against dnsmasq on loopback):
 * - Diagnostics go to stdout, not stderr, as lines starting with `;;`.
 * - Exit 0 means a DNS response arrived, whatever its rcode: NXDOMAIN, NODATA and even REFUSED
 *   all print nothing with +short. An empty answer is therefore ok with no addresses; +short
 *   cannot tell those apart.
 * - Exit 9 means no reply; `connection refused` in the diagnostics means the port was closed
 *   (ICMP), `timed out` (or older dig's `connection timed out`) that nothing answered.
 * - A CNAME chain prints each target name, with a trailing dot, before the addresses.
 */
import { isIP } from 'node:net'

/** What one `dig +short` query returned: the addresses and CNAME targets, or why there are none. */
export type DigResult =
  | { ok: true; addresses: string[]; cnames: string[] }
  | { ok: false; code: 'DNS_NO_REPLY' | 'DNS_REFUSED' | 'DNS_ERROR'; message: string }

const DIG_NO_REPLY = 9
const HOST_NAME = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?\.?$/

/** Turns the stdout and exit code of `dig +short` into a DigResult; CNAME targets lose their trailing dot. */
export function parseDigShort(stdout: string, exitCode: number): DigResult {
  const lines = stdout
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
  const diagnostics = lines.filter((line) => line.startsWith(';'))
  const message = diagnostics.map((line) => line.replace(/^;+\s*/, '')).join('; ')

  if (exitCode === DIG_NO_REPLY) {
    if (/connection refused/i.test(message)) return { ok: false, code: 'DNS_REFUSED', message }
    return { ok: false, code: 'DNS_NO_REPLY', message: message || 'no reply from the DNS server' }
  }
  if (exitCode !== 0) {
    return { ok: false, code: 'DNS_ERROR', message: message || `dig exited with status ${exitCode}` }
  }

  const addresses: string[] = []
  const cnames: string[] = []
  for (const line of lines) {
    if (line.startsWith(';')) continue
    if (isIP(line) !== 0) addresses.push(line)
    else if (HOST_NAME.test(line)) cnames.push(line.replace(/\.$/, ''))
  }
  return { ok: true, addresses, cnames }
}
