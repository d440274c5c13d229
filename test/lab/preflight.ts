/**
 * Whether the network lab can run here, and if not, the one line that says why: Linux, root, the
 * tools it drives, a built CLI, and a kernel that lets it create namespaces and firewall rules.
 */
import { accessSync, constants, existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { ROOT } from '../helpers/run-cli.js'
import { run, RUN_PREFIX } from './host.js'

const TOOLS = ['ip', 'iptables', 'dnsmasq', 'dig', 'moto_server', 'openssl', 'kubectl', 'wg', 'wireguard-go'] as const

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

/** Undefined when the lab can run; otherwise why it cannot. */
export function whyLabCannotRun(): string | undefined {
  if (process.platform !== 'linux') return `it needs Linux network namespaces (this is ${process.platform})`
  if (process.getuid?.() !== 0) return 'it must run as root (network namespaces, iptables, dnsmasq on port 53)'
  const missing = TOOLS.filter((tool) => !onPath(tool))
  if (missing.length) return `missing on PATH: ${missing.join(', ')} (Debian: apt-get install iproute2 iptables dnsmasq bind9-dnsutils openssl wireguard-tools wireguard-go; pip install 'moto[server]'; kubectl)`
  if (!existsSync(join(ROOT, 'dist', 'commands', 'check.js'))) return 'the CLI is not built (run npm run build first)'
  const probe = `${RUN_PREFIX}z-probe`
  try {
    run('ip', ['netns', 'add', probe])
    try {
      run('ip', ['netns', 'exec', probe, 'iptables', '-w', '5', '-S'])
    } finally {
      run('ip', ['netns', 'del', probe], { allowFail: true })
    }
  } catch (error) {
    return `this kernel or container does not allow network namespaces with iptables: ${(error as Error).message.split('\n')[0]}`
  }
  return undefined
}
