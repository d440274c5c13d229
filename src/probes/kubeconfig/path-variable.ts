/**
 * kubeconfig.path-variable — KUBECONFIG lists each file once, by an absolute path kubectl and the
 * AWS CLI read alike. kubectl (client-go) splits it on the path separator and takes each part
 * literally: empty parts are skipped when reading, but `kubectl config` writes to the last entry
 * when none of the files exists, so a trailing separator makes it write to "" and fail
 * (`error: open : no such file or directory`); a part padded with spaces or starting with a quoted
 * `~` names another file (relative to the working directory, where kubectl also creates
 * `./~/.kube/...`), while `aws eks update-kubeconfig` expands `~`. Exact repeats are read once.
 * Evidence: the raw entries and what is odd about each.
 * Fix: the `export KUBECONFIG=...` line with the cleaned, absolute list.
 */
import { posix, win32 } from 'node:path'
import { defineProbe } from '../../engine/types.js'
import { buildKubeconfigPathFix } from '../../fixes/kubeconfig.js'

export const pathVariableProbe = defineProbe({
  id: 'kubeconfig.path-variable',
  layer: 'kubeconfig',
  title: 'KUBECONFIG names each file once, by an absolute path',
  async run(ctx) {
    const { env, target } = ctx
    const raw = env.vars.KUBECONFIG
    if (target.kubeconfigFlag) return { status: 'pass', detail: `--kubeconfig ${target.kubeconfigFlag} is the only file kubectl is told to read`, evidence: { kubeconfig: raw ?? null } }
    if (!raw) return { status: 'pass', detail: `KUBECONFIG is not set: kubectl reads ${env.platform === 'win32' ? win32.join(env.fs.homedir(), '.kube', 'config') : posix.join(env.fs.homedir(), '.kube', 'config')}`, evidence: { kubeconfig: null } }
    const path = env.platform === 'win32' ? win32 : posix
    const sep = env.platform === 'win32' ? ';' : ':'
    const home = env.fs.homedir()
    const parts = raw.split(sep)
    const odd: string[] = []
    const cleaned: string[] = []
    const seen = new Map<string, string>()
    const empty = parts.flatMap((p, i) => (p.trim() === '' ? [i + 1] : []))
    for (const part of parts) {
      if (part.trim() === '') continue
      const trimmed = part.trim()
      if (trimmed !== part) odd.push(`"${part}" has spaces around it, so kubectl looks for a file named that, relative to the directory it runs in`)
      const tilde = trimmed === '~' || trimmed.startsWith('~/') || trimmed.startsWith('~\\')
      if (tilde) odd.push(`"${trimmed}" starts with a quoted ~, which kubectl does not expand (it reads and writes ./~/... under the directory it runs in) while aws eks update-kubeconfig does`)
      else if (!path.isAbsolute(trimmed)) odd.push(`"${trimmed}" is relative, so kubectl reads another file from every directory it runs in`)
      const absolute = tilde ? path.join(home, trimmed.slice(1)) : path.resolve(trimmed)
      const first = seen.get(absolute)
      if (first !== undefined) odd.push(first === part ? `"${part}" is listed twice` : `"${part}" and "${first}" are the same file`)
      else {
        seen.set(absolute, part)
        cleaned.push(absolute)
      }
    }
    if (empty.length > 0) {
      const trailing = empty.includes(parts.length)
      const exists = (await Promise.all(cleaned.map((p) => env.fs.readText(p)))).some((text) => text !== undefined)
      odd.unshift(
        trailing && !exists && parts.length > 1
          ? `it ends with "${sep}" and none of its files exists yet, so \`kubectl config\` writes to the empty last entry and fails with \`error: open : no such file or directory\``
          : `it has ${empty.length === 1 ? 'an empty entry' : `${empty.length} empty entries`} (${empty.map((n) => (n === 1 ? 'leading' : n === parts.length ? 'trailing' : `entry ${n}`)).join(', ')}), which kubectl skips`,
      )
    }
    const evidence = { kubeconfig: raw, entries: parts, problems: odd, cleaned }
    if (odd.length === 0) return { status: 'pass', detail: `KUBECONFIG lists ${cleaned.length} file${cleaned.length > 1 ? 's' : ''}, each once by an absolute path`, evidence }
    return {
      status: 'warn',
      code: 'KUBECONFIG_PATH_ODD',
      detail: `KUBECONFIG=${raw}: ${odd.join('; ')}`,
      evidence,
      fixes: [buildKubeconfigPathFix({ paths: cleaned, platform: env.platform })],
    }
  },
})
