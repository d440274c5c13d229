/**
 * Which program a VPN interface belongs to, where the OS says: on macOS `ifconfig -v utunN` names
 * the Network Extension VPN service that owns the tunnel (`agent domain:NetworkExtension type:VPN
 * ... desc:"VPN: <name>"`); on Linux the process that holds /dev/net/tun for it shows the interface
 * in its fdinfo (`iff: tun0`), readable for this user's own processes and, as root, for all.
 * Tailscale and WireGuard interfaces have checks of their own and are not looked up.
 */
import type { ProbeContext } from '../../engine/types.js'

// Kernel interface names: what may safely go into a grep pattern.
const SAFE_NAME = /^[A-Za-z0-9._-]{1,15}$/
const OWN_CHECKS = /^(tailscale\d*|wg\d*)$/

export async function tunnelOwner(ctx: ProbeContext, iface: string): Promise<string | undefined> {
  if (!SAFE_NAME.test(iface) || OWN_CHECKS.test(iface)) return undefined
  const bound = { timeoutMs: 2000, signal: ctx.signal }
  if (ctx.env.platform === 'darwin') {
    if (!/^utun\d+$/.test(iface)) return undefined
    const run = await ctx.env.exec('ifconfig', ['-v', iface], bound)
    return /agent domain:NetworkExtension type:VPN .*desc:"([^"]+)"/.exec(run.stdout)?.[1]
  }
  if (ctx.env.platform !== 'linux') return undefined
  const run = await ctx.env.exec('sh', ['-c', `grep -lsE '^iff:[[:space:]]+${iface}$' /proc/[0-9]*/fdinfo/* | head -n 1`], bound)
  const pid = /^\/proc\/(\d+)\/fdinfo\//.exec(run.stdout.trim())?.[1]
  if (!pid) return undefined
  const name = (await ctx.env.fs.readText(`/proc/${pid}/comm`))?.trim()
  return name ? `${name} (pid ${pid})` : `pid ${pid}`
}
