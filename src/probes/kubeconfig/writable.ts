/**
 * kubeconfig.writable — kubectl (and `eksdoctor kubeconfig`) can write where they must: every
 * `kubectl config` change creates a lock beside each file kubectl reads (creating missing
 * directories first), then writes the file, so a directory this user may not write (often a
 * ~/.kube left owned by root by `sudo kubectl`) makes it fail with
 * `error: open <file>.lock: permission denied`; `eksdoctor kubeconfig` then writes in place
 * without a lock or backup, and cannot create a missing file at all.
 * Evidence: each file, and the file or directory that refuses the write.
 * Fix: chown/chmod of that directory when it is in the home directory, else a copy in ~/.kube.
 */
import { posix, win32 } from 'node:path'
import { defineProbe } from '../../engine/types.js'
import { buildUnwritableKubeconfigFix } from '../../fixes/kubeconfig.js'
import { kubectlFiles } from './scope.js'

export const writableProbe = defineProbe({
  id: 'kubeconfig.writable',
  layer: 'kubeconfig',
  title: 'kubectl can write its kubeconfig files and their locks',
  async run(ctx) {
    const { env, target } = ctx
    const path = env.platform === 'win32' ? win32 : posix
    const files = kubectlFiles(env, target)
    const blocked: { file: string; exists: boolean; fileWritable: boolean; blocked: string }[] = []
    for (const file of files) {
      const own = await env.fs.writable(file)
      // The lock comes first: the nearest directory that exists decides (kubectl creates the missing ones below it).
      let dirBlocked: string | undefined
      for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
        const w = await env.fs.writable(dir)
        if (w === false) dirBlocked = dir
        if (w !== undefined || path.dirname(dir) === dir) break
      }
      if (dirBlocked) blocked.push({ file, exists: own !== undefined, fileWritable: own !== false, blocked: dirBlocked })
      else if (own === false) blocked.push({ file, exists: true, fileWritable: false, blocked: file })
    }
    const evidence = { files, blocked: blocked.map((b) => ({ file: b.file, exists: b.exists, notWritable: b.blocked })) }
    if (blocked.length === 0) return { status: 'pass', detail: `this user can write ${files.join(', ')} and the lock beside ${files.length > 1 ? 'each' : 'it'}`, evidence }
    const detail = blocked
      .map((b) =>
        b.blocked === b.file
          ? `${b.file} is not writable by this user: \`kubectl config\` changes to it fail with \`error: open ${b.file}: permission denied\`, and eksdoctor kubeconfig leaves it untouched`
          : `${b.blocked} is not writable by this user: \`kubectl config\` changes fail with \`error: open ${b.file}.lock: permission denied\`, and ${!b.exists ? `${b.file} cannot be created` : b.fileWritable ? `eksdoctor kubeconfig writes ${b.file} in place, without a lock or backup` : `${b.file} itself is not writable either, so eksdoctor kubeconfig leaves it untouched`}`,
      )
      .join('; ')
    const home = env.fs.homedir()
    const user = env.platform === 'win32' ? env.vars.USERNAME : (env.vars.USER ?? env.vars.LOGNAME)
    const fromVariable = !target.kubeconfigFlag && Boolean(env.vars.KUBECONFIG?.trim())
    return {
      status: 'warn',
      code: 'KUBECONFIG_NOT_WRITABLE',
      detail,
      evidence,
      fixes: blocked.map((b) =>
        buildUnwritableKubeconfigFix({ blocked: b.blocked, file: b.file, fileExists: b.exists, home, ...(user ? { user } : {}), ...(fromVariable ? { kubeconfigPaths: files } : {}), platform: env.platform }),
      ),
    }
  },
})
