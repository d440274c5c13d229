/** kubeconfig.path-variable, kubeconfig.lock and kubeconfig.writable: the files kubectl reads and writes, per OS. */
import { describe, expect, it } from 'vitest'
import { lockProbe } from '../../../../src/probes/kubeconfig/lock.js'
import { pathVariableProbe } from '../../../../src/probes/kubeconfig/path-variable.js'
import { writableProbe } from '../../../../src/probes/kubeconfig/writable.js'
import { FIXED_NOW, fakeEnv, runProbe } from '../../../helpers/fake-env.js'

const CONFIG = 'apiVersion: v1\nkind: Config\n'

const OSES = [
  { platform: 'linux' as const, home: '/home/ana', sep: ':' },
  { platform: 'darwin' as const, home: '/Users/ana', sep: ':' },
]

describe('kubeconfig.path-variable', () => {
  it.each(OSES)('$platform: empty, repeated, padded and ~ entries are a warning with the cleaned export', async (os) => {
    const a = `${os.home}/.kube/a.yaml`
    const b = `${os.home}/.kube/b.yaml`
    const raw = ['', a, '', ` ${b}`, a, '~/.kube/c.yaml', ''].join(os.sep)
    const env = fakeEnv({ platform: os.platform, home: os.home, vars: { HOME: os.home, KUBECONFIG: raw }, files: { [a]: CONFIG } })
    const outcome = await runProbe(pathVariableProbe, { env })
    expect(outcome).toMatchObject({ status: 'warn', code: 'KUBECONFIG_PATH_ODD' })
    expect(outcome.detail).toBe(
      `KUBECONFIG=${raw}: it has 3 empty entries (leading, entry 3, trailing), which kubectl skips; ` +
        `" ${b}" has spaces around it, so kubectl looks for a file named that, relative to the directory it runs in; ` +
        `"${a}" is listed twice; ` +
        '"~/.kube/c.yaml" starts with a quoted ~, which kubectl does not expand (it reads and writes ./~/... under the directory it runs in) while aws eks update-kubeconfig does',
    )
    expect(outcome.fixes?.[0]?.commands).toEqual([`export KUBECONFIG=${a}:${b}:${os.home}/.kube/c.yaml`])
  })

  it.each(OSES)('$platform: a trailing separator when no file exists yet says kubectl config cannot write', async (os) => {
    const a = `${os.home}/.kube/new.yaml`
    const env = fakeEnv({ platform: os.platform, home: os.home, vars: { KUBECONFIG: `${a}${os.sep}` } })
    const outcome = await runProbe(pathVariableProbe, { env })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toBe(`KUBECONFIG=${a}${os.sep}: it ends with "${os.sep}" and none of its files exists yet, so \`kubectl config\` writes to the empty last entry and fails with \`error: open : no such file or directory\``)
    expect(outcome.fixes?.[0]?.commands).toEqual([`export KUBECONFIG=${a}`])
  })

  it('win32: ; separates, and the fix sets the user variable', async () => {
    const a = 'C:\\Users\\ana\\.kube\\config'
    const env = fakeEnv({ platform: 'win32', home: 'C:\\Users\\ana', vars: { KUBECONFIG: `${a};${a}` }, files: { [a]: CONFIG } })
    const outcome = await runProbe(pathVariableProbe, { env })
    expect(outcome).toMatchObject({ status: 'warn', code: 'KUBECONFIG_PATH_ODD', detail: `KUBECONFIG=${a};${a}: "${a}" is listed twice` })
    expect(outcome.fixes?.[0]?.commands).toEqual([`[Environment]::SetEnvironmentVariable('KUBECONFIG', ${a}, 'User')`])
  })

  it('passes for clean absolute entries, and without KUBECONFIG', async () => {
    const clean = await runProbe(pathVariableProbe, { env: fakeEnv({ vars: { KUBECONFIG: '/k/a:/k/b' } }) })
    expect(clean).toMatchObject({ status: 'pass', detail: 'KUBECONFIG lists 2 files, each once by an absolute path' })
    const unset = await runProbe(pathVariableProbe, { env: fakeEnv({ home: '/home/ana' }) })
    expect(unset).toMatchObject({ status: 'pass', detail: 'KUBECONFIG is not set: kubectl reads /home/ana/.kube/config' })
  })
})

describe('kubeconfig.lock', () => {
  it.each(OSES)('$platform: a stale config.lock is a warning with its age and the guarded rm', async (os) => {
    const config = `${os.home}/.kube/config`
    const mtime = FIXED_NOW - (3 * 3600 + 12 * 60) * 1000
    const env = fakeEnv({ platform: os.platform, home: os.home, files: { [config]: CONFIG }, stats: { [`${config}.lock`]: { size: 0, mtimeMs: mtime } } })
    const outcome = await runProbe(lockProbe, { env })
    expect(outcome).toMatchObject({ status: 'warn', code: 'KUBECONFIG_LOCKED' })
    expect(outcome.detail).toBe(
      `${config}.lock was left 3 h 12 min ago (since ${new Date(mtime).toISOString()}) by a kubectl that never finished: every \`kubectl config\` change (use-context, set-context, set-credentials) fails with \`error: open ${config}.lock: file exists\` until it is removed`,
    )
    expect(outcome.fixes?.[0]?.commands).toEqual([`pgrep -x kubectl || rm ${config}.lock`])
    expect(outcome.evidence?.locks).toEqual([{ path: `${config}.lock`, ageSeconds: 11520, since: new Date(mtime).toISOString() }])
  })

  it('looks beside every KUBECONFIG file (kubectl locks them all) and says when a lock may be in use', async () => {
    const env = fakeEnv({ vars: { KUBECONFIG: '/k/a:/k/b' }, stats: { '/k/b.lock': { size: 0, mtimeMs: FIXED_NOW - 5000 } } })
    const outcome = await runProbe(lockProbe, { env })
    expect(outcome.detail).toBe(`/k/b.lock is 5 s old (since ${new Date(FIXED_NOW - 5000).toISOString()}): a kubectl config command may be writing now, and if none is, every later one fails with \`error: open /k/b.lock: file exists\``)
    expect(env.record.stats).toEqual(['/k/a.lock', '/k/b.lock'])
  })

  it('win32: the fix checks for kubectl with Get-Process before Remove-Item', async () => {
    const config = 'C:\\Users\\ana\\.kube\\config'
    const env = fakeEnv({ platform: 'win32', home: 'C:\\Users\\ana', vars: { KUBECONFIG: config }, stats: { [`${config}.lock`]: { size: 0, mtimeMs: FIXED_NOW - 90 * 60_000 } } })
    const outcome = await runProbe(lockProbe, { env })
    expect(outcome.detail).toContain(`${config}.lock was left 90 min ago`)
    expect(outcome.fixes?.[0]?.commands).toEqual([`if (-not (Get-Process kubectl -ErrorAction SilentlyContinue)) { Remove-Item -LiteralPath ${config}.lock }`])
  })

  it('passes without a lock', async () => {
    const outcome = await runProbe(lockProbe, { env: fakeEnv({ home: '/home/ana' }) })
    expect(outcome).toMatchObject({ status: 'pass', detail: 'no lock beside /home/ana/.kube/config' })
  })
})

describe('kubeconfig.writable', () => {
  it.each(OSES)('$platform: a ~/.kube this user cannot write is a warning; the fix gives it back', async (os) => {
    const config = `${os.home}/.kube/config`
    const env = fakeEnv({ platform: os.platform, home: os.home, vars: { USER: 'ana' }, files: { [config]: CONFIG }, writable: { [`${os.home}/.kube`]: false } })
    const outcome = await runProbe(writableProbe, { env })
    expect(outcome).toMatchObject({ status: 'warn', code: 'KUBECONFIG_NOT_WRITABLE' })
    expect(outcome.detail).toBe(
      `${os.home}/.kube is not writable by this user: \`kubectl config\` changes fail with \`error: open ${config}.lock: permission denied\`, and eksdoctor kubeconfig writes ${config} in place, without a lock or backup`,
    )
    expect(outcome.fixes?.[0]?.commands).toEqual([`sudo chown -R ana ${os.home}/.kube`, `chmod u+rwX ${os.home}/.kube`])
  })

  it('a read-only file outside home: the fix works on a copy and points KUBECONFIG at it', async () => {
    const admin = '/etc/kubernetes/admin.conf'
    const env = fakeEnv({ home: '/home/ana', vars: { USER: 'ana', KUBECONFIG: `${admin}:/home/ana/.kube/config` }, files: { [admin]: CONFIG }, writable: { [admin]: false, '/etc/kubernetes': false } })
    const outcome = await runProbe(writableProbe, { env })
    expect(outcome.detail).toBe(`/etc/kubernetes is not writable by this user: \`kubectl config\` changes fail with \`error: open ${admin}.lock: permission denied\`, and ${admin} itself is not writable either, so eksdoctor kubeconfig leaves it untouched`)
    expect(outcome.fixes?.[0]?.commands).toEqual(['mkdir -p /home/ana/.kube', `cp ${admin} /home/ana/.kube/admin.conf`, 'export KUBECONFIG=/home/ana/.kube/admin.conf:/home/ana/.kube/config'])
  })

  it('a read-only file in a writable directory: kubectl fails on the file itself', async () => {
    const config = '/home/ana/.kube/config'
    const env = fakeEnv({ home: '/home/ana', vars: { USER: 'ana' }, files: { [config]: CONFIG }, writable: { [config]: false } })
    const outcome = await runProbe(writableProbe, { env })
    expect(outcome.detail).toBe(`${config} is not writable by this user: \`kubectl config\` changes to it fail with \`error: open ${config}: permission denied\`, and eksdoctor kubeconfig leaves it untouched`)
    expect(outcome.fixes?.[0]?.commands).toEqual([`sudo chown -R ana ${config}`, `chmod u+rwX ${config}`])
  })

  it('a missing file is judged by the nearest directory that exists', async () => {
    const env = fakeEnv({ home: '/home/ana', vars: { KUBECONFIG: '/srv/kube/new/config' }, writable: { '/srv/kube': false } })
    const outcome = await runProbe(writableProbe, { env })
    expect(outcome.detail).toBe('/srv/kube is not writable by this user: `kubectl config` changes fail with `error: open /srv/kube/new/config.lock: permission denied`, and /srv/kube/new/config cannot be created')
    expect(env.record.writableChecks).toEqual(['/srv/kube/new/config', '/srv/kube/new', '/srv/kube'])
  })

  it('win32: icacls grants the user', async () => {
    const config = 'C:\\Users\\ana\\.kube\\config'
    const env = fakeEnv({ platform: 'win32', home: 'C:\\Users\\ana', vars: { USERNAME: 'ana', KUBECONFIG: config }, files: { [config]: CONFIG }, writable: { 'C:\\Users\\ana\\.kube': false } })
    const outcome = await runProbe(writableProbe, { env })
    expect(outcome.status).toBe('warn')
    expect(outcome.fixes?.[0]?.commands).toEqual(['icacls C:\\Users\\ana\\.kube /grant "ana:(OI)(CI)M"'])
  })

  it('passes where every directory is writable', async () => {
    const outcome = await runProbe(writableProbe, { env: fakeEnv({ home: '/home/ana', files: { '/home/ana/.kube/config': CONFIG } }) })
    expect(outcome).toMatchObject({ status: 'pass', detail: 'this user can write /home/ana/.kube/config and the lock beside it' })
  })
})
