/** Fixes for a kubeconfig that does not match the cluster: rewrite (or write) the entry with the real values. */
import type { Fix } from '../engine/types.js'
import type { Platform } from '../platform/env.js'

function entryCommands(o: { cluster?: string; region?: string; profile?: string; context?: string }): string[] {
  if (!o.cluster || !o.region) return o.region ? [`aws eks list-clusters --region ${o.region} --output text`] : []
  const profile = o.profile ? ` --profile ${o.profile}` : ''
  const alias = o.context && !o.context.startsWith('arn:') ? ` --alias ${o.context}` : ''
  return [`eksdoctor kubeconfig --cluster ${o.cluster} --region ${o.region}${profile}${alias}`, `aws eks update-kubeconfig --name ${o.cluster} --region ${o.region}${profile}${alias}`]
}

export function buildRewriteEntryFix(o: { cluster?: string; region?: string; profile?: string; context?: string; why: string }): Fix {
  return {
    category: 'kubeconfig',
    title: `Rewrite the kubeconfig entry${o.context ? ` of ${o.context}` : ''}`,
    why: o.cluster && o.region ? o.why : `${o.why} Which cluster it should reach is not known here: list the clusters and rewrite the entry for the right one.`,
    commands: entryCommands(o),
  }
}

export function buildWriteEntryFix(o: { cluster: string; region: string; profile?: string }): Fix {
  return {
    category: 'kubeconfig',
    title: `Write a kubeconfig context for ${o.cluster}`,
    why: `kubectl reaches ${o.cluster} only through a kubeconfig context with its endpoint, CA and an exec entry that signs EKS tokens for it; none of the contexts kubectl reads targets it.`,
    commands: entryCommands(o),
  }
}

export function buildUpgradeAwsCliFix(version: string): Fix {
  return {
    category: 'kubeconfig',
    title: `Upgrade the AWS CLI (found ${version})`,
    why: 'AWS CLI before 1.24.0 / 2.7.0 answers get-token in client.authentication.k8s.io/v1alpha1, which kubectl 1.24+ rejects; the first `aws` on PATH is the one kubectl runs.',
    commands: ['which -a aws', 'aws --version'],
    docs: 'https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html',
  }
}

/** One word for the shell the fix is pasted into: POSIX sh (single quotes, '\'' inside), or PowerShell ('' inside). */
export function shellWord(word: string, platform: Platform): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) || (platform === 'win32' && /^[A-Za-z]:\\[A-Za-z0-9_@%+=:,.\\-]*$/.test(word))) return word
  return platform === 'win32' ? `'${word.replaceAll("'", "''")}'` : `'${word.replaceAll("'", `'\\''`)}'`
}

function kubectlConfig(file: string, platform: Platform, rest: string[]): string {
  return ['kubectl', '--kubeconfig', file, 'config', ...rest].map((w) => shellWord(w, platform)).join(' ')
}

/** What an exec entry becomes: a new command, new args, env changes (`KEY=value`, or `KEY-` to drop one). */
export interface ExecEntryChange {
  file: string
  user: string
  command?: string
  args?: string[]
  env?: string[]
  platform: Platform
}

/** `kubectl config set-credentials` with only what changes: --exec-arg replaces every arg, --exec-env changes one variable. */
function setCredentials(c: ExecEntryChange): string {
  return kubectlConfig(c.file, c.platform, [
    'set-credentials',
    c.user,
    ...(c.command ? [`--exec-command=${c.command}`] : []),
    ...(c.args ?? []).map((a) => `--exec-arg=${a}`),
    ...(c.env ?? []).map((e) => `--exec-env=${e}`),
  ])
}

/** The YAML lines of the changed exec block, for those who edit the file by hand. */
function yamlLines(c: ExecEntryChange): string {
  const flow = (a: string[]) => `[${a.map((x) => (/^(?![-?:] |[-?:]$)[\w./=@+:-]+$/.test(x) && !x.includes(': ') ? x : JSON.stringify(x))).join(', ')}]`
  return [c.command ? `command: ${c.command}` : '', c.args ? `args: ${flow(c.args)}` : ''].filter(Boolean).join(' and ')
}

export function buildExecCommandLineFix(o: ExecEntryChange & { command: string; args: string[]; written: string }): Fix {
  return {
    category: 'kubeconfig',
    title: `Split the exec command of user ${o.user} into command and args`,
    why: `kubectl runs \`command\` as one file name, so "${o.written}" is looked up as a program of that name and never found; in ${o.file} the user ${o.user} needs ${yamlLines(o)}.`,
    commands: [setCredentials(o)],
  }
}

export function buildGuiPathFix(o: ExecEntryChange & { command: string; found: string; guiPath: string }): Fix {
  return {
    category: 'kubeconfig',
    title: `Give the exec entry of user ${o.user} the absolute path ${o.command}`,
    why: `Apps started from the Dock, Finder or a desktop launcher (Lens, IDEs) get PATH=${o.guiPath}, without the directories your shell profile adds, so they cannot find ${o.found}; in ${o.file} the user ${o.user} needs ${yamlLines(o)}.`,
    commands: [setCredentials(o)],
  }
}

export function buildExecOutputFix(o: ExecEntryChange & { args: string[]; output: string; from: 'args' | 'env' | 'exec-env' | 'config'; profile: string; configFile: string }): Fix {
  const alternative =
    o.from === 'config'
      ? [`aws configure set output json --profile ${shellWord(o.profile, o.platform)}`]
      : o.from === 'exec-env'
        ? [setCredentials({ file: o.file, user: o.user, env: ['AWS_DEFAULT_OUTPUT-'], platform: o.platform })]
        : o.from === 'env'
          ? [o.platform === 'win32' ? 'Remove-Item Env:AWS_DEFAULT_OUTPUT' : 'unset AWS_DEFAULT_OUTPUT']
          : []
  return {
    category: 'kubeconfig',
    title: `Make aws eks get-token print JSON for user ${o.user}`,
    why:
      `kubectl decodes the plugin's stdout as an ExecCredential in JSON or YAML; with output ${o.output} \`aws eks get-token\` prints neither. ` +
      `Pin --output json in the entry (${yamlLines(o)} in ${o.file})${alternative.length ? ', or change the setting it comes from' : ''}.`,
    commands: [setCredentials(o), ...alternative],
  }
}

export function buildExecProfileFix(o: { file: string; user: string; profile: string; from: 'args' | 'exec-env' | 'env'; variable: string; args: string[]; suggestion?: string; files: string[]; platform: Platform }): Fix {
  const s = o.suggestion
  const use = !s
    ? []
    : o.from === 'args'
      ? [setCredentials({ file: o.file, user: o.user, args: o.args.map((a, i) => (a === `--profile=${o.profile}` ? `--profile=${s}` : a === o.profile && o.args[i - 1] === '--profile' ? s : a)), platform: o.platform })]
      : o.from === 'exec-env'
        ? [setCredentials({ file: o.file, user: o.user, env: [`${o.variable}=${s}`], platform: o.platform })]
        : [o.platform === 'win32' ? `$env:${o.variable} = ${shellWord(s, 'win32')}` : `export ${o.variable}=${shellWord(s, o.platform)}`]
  return {
    category: 'kubeconfig',
    title: s ? `Sign with the existing profile ${s}, or create ${o.profile}` : `Create the AWS profile ${o.profile}`,
    why: `The exec entry of user ${o.user} (${o.file}) signs with the profile "${o.profile}", which is in neither ${o.files.join(' nor ')}: the plugin fails before kubectl sends anything.`,
    commands: [...use, `aws configure sso --profile ${shellWord(o.profile, o.platform)}`],
  }
}

export function buildKubeconfigPathFix(o: { paths: string[]; platform: Platform }): Fix {
  const joined = o.paths.join(o.platform === 'win32' ? ';' : ':')
  return {
    category: 'kubeconfig',
    title: o.paths.length ? 'Set KUBECONFIG to clean, absolute paths' : 'Unset KUBECONFIG',
    why: 'Put this in place of the line that sets KUBECONFIG in your shell profile, so kubectl, `aws eks update-kubeconfig` and every other tool read and write the same files: no empty, repeated, space-padded, relative or `~` entries.',
    commands: [
      o.platform === 'win32'
        ? `[Environment]::SetEnvironmentVariable('KUBECONFIG', ${shellWord(joined, 'win32')}, 'User')`
        : o.paths.length
          ? `export KUBECONFIG=${shellWord(joined, o.platform)}`
          : 'unset KUBECONFIG',
    ],
  }
}

export function buildStaleLockFix(o: { lock: string; platform: Platform }): Fix {
  return {
    category: 'kubeconfig',
    title: `Remove the stale lock ${o.lock}`,
    why: 'kubectl creates the lock for the length of one write and removes it after; one that stays was left by a kubectl that was killed or crashed, and kubectl never takes it over. Remove it only while no kubectl runs (the command checks first).',
    commands: [
      o.platform === 'win32'
        ? `if (-not (Get-Process kubectl -ErrorAction SilentlyContinue)) { Remove-Item -LiteralPath ${shellWord(o.lock, 'win32')} }`
        : `pgrep -x kubectl || rm ${shellWord(o.lock, o.platform)}`,
    ],
  }
}

export function buildUnwritableKubeconfigFix(o: {
  /** The directory (or file) that refuses the write. */
  blocked: string
  /** The kubeconfig file behind it. */
  file: string
  fileExists: boolean
  home: string
  user?: string
  /** The KUBECONFIG list, when the file came from it (to point it at a copy). */
  kubeconfigPaths?: string[]
  platform: Platform
}): Fix {
  const w = (s: string) => shellWord(s, o.platform)
  const sep = o.platform === 'win32' ? '\\' : '/'
  const inHome = o.blocked === o.home || o.blocked.startsWith(`${o.home}${sep}`)
  if (o.platform === 'win32') {
    return {
      category: 'kubeconfig',
      title: `Let ${o.user ?? 'your user'} write ${o.blocked}`,
      why: `kubectl writes a ${o.file}.lock beside the file for every \`kubectl config\` change; where it cannot, the change fails with "permission denied".`,
      commands: [`icacls ${w(o.blocked)} /grant "${o.user ?? '$env:USERNAME'}:(OI)(CI)M"`],
    }
  }
  if (inHome) {
    return {
      category: 'kubeconfig',
      title: `Give ${o.blocked} back to ${o.user ?? 'your user'}`,
      why: `${o.blocked} is yours to write but is not writable (often left owned by root by a \`sudo kubectl\` or \`sudo aws eks update-kubeconfig\`); kubectl writes a lock beside ${o.file} for every \`kubectl config\` change and fails with "permission denied".`,
      commands: [`sudo chown -R ${o.user ?? '"$(id -un)"'} ${w(o.blocked)}`, `chmod u+rwX ${w(o.blocked)}`],
    }
  }
  const base = o.file.split(sep).pop() as string
  const copy = `${o.home}${sep}.kube${sep}${base}`
  const repointed = o.kubeconfigPaths?.map((p) => (p === o.file ? copy : p))
  return {
    category: 'kubeconfig',
    title: `Use a copy of ${o.file} that you own`,
    why: `${o.blocked} is outside your home and not yours to write: kubectl cannot write its lock there, so every \`kubectl config\` change fails with "permission denied". Work on a copy in ${o.home}${sep}.kube instead.`,
    commands: [
      `mkdir -p ${w(`${o.home}${sep}.kube`)}`,
      ...(o.fileExists ? [`cp ${w(o.file)} ${w(copy)}`] : []),
      repointed ? `export KUBECONFIG=${w(repointed.join(':'))}` : `export KUBECONFIG=${w(copy)}`,
    ],
  }
}

/** A scalar field of a kubeconfig entry, copied by kubectl itself when it may be a secret (never printed). */
const SECRET_OR_LONG = new Set(['token', 'password', 'client-key-data', 'client-certificate-data', 'certificate-authority-data'])

export function buildShadowedEntryFix(o: {
  kind: 'clusters' | 'users' | 'contexts'
  name: string
  /** The file whose entry kubectl uses, and the file whose entry it ignores. */
  usedFile: string
  ignoredFile: string
  /** No context of the used file refers to its entry: deleting it there is enough. */
  orphan: boolean
  newName: string
  /** The contexts of the ignored file that refer to the entry. */
  referencedBy: string[]
  /** The ignored entry's body. */
  value: Record<string, unknown>
  platform: Platform
}): Fix {
  const singular = o.kind.slice(0, -1)
  const k = (file: string, ...rest: string[]) => kubectlConfig(file, o.platform, rest)
  if (o.orphan && o.kind !== 'contexts') {
    return {
      category: 'kubeconfig',
      title: `Delete the unused ${singular} ${o.name} from ${o.usedFile}`,
      why: `No context of ${o.usedFile} refers to its ${singular} ${o.name}, yet it hides the ${singular} of that name in ${o.ignoredFile}, which kubectl then never reads.`,
      commands: [k(o.usedFile, `delete-${singular}`, o.name)],
    }
  }
  if (o.kind === 'contexts') {
    return {
      category: 'kubeconfig',
      title: `Rename the context ${o.name} of ${o.ignoredFile} to ${o.newName}`,
      why: `Both files define a context ${o.name} and kubectl only ever uses the one of ${o.usedFile}; under its own name the other becomes usable.`,
      commands: [k(o.ignoredFile, 'rename-context', o.name, o.newName)],
    }
  }
  const copy: string[] = []
  const jsonpath = (key: string) => `{.${o.kind}[?(@.name=="${o.name}")].${singular}.${key}}`
  const viewRaw = (key: string) => `"$(${['kubectl', '--kubeconfig', o.ignoredFile, 'config', 'view', '--raw', '-o', `jsonpath=${jsonpath(key)}`].map((x) => shellWord(x, o.platform)).join(' ')})"`
  for (const [key, value] of Object.entries(o.value)) {
    if (key === 'exec' && typeof value === 'object' && value !== null) {
      const exec = value as { command?: unknown; args?: unknown; env?: unknown; apiVersion?: unknown }
      copy.push(
        k(
          o.ignoredFile,
          'set-credentials',
          o.newName,
          ...(typeof exec.apiVersion === 'string' ? [`--exec-api-version=${exec.apiVersion}`] : []),
          ...(typeof exec.command === 'string' ? [`--exec-command=${exec.command}`] : []),
          ...(Array.isArray(exec.args) ? exec.args.map((a) => `--exec-arg=${String(a)}`) : []),
          ...(Array.isArray(exec.env) ? exec.env.flatMap((e: { name?: unknown; value?: unknown }) => (typeof e?.name === 'string' ? [`--exec-env=${e.name}=${String(e.value ?? '')}`] : [])) : []),
        ),
      )
    } else if (typeof value === 'string' || typeof value === 'boolean') {
      const property = `${o.kind}.${o.newName}.${key}`
      copy.push(SECRET_OR_LONG.has(key) ? `${k(o.ignoredFile, 'set', property)} ${viewRaw(key)}` : k(o.ignoredFile, 'set', property, String(value)))
    }
  }
  return {
    category: 'kubeconfig',
    title: `Give the ${singular} ${o.name} of ${o.ignoredFile} its own name, ${o.newName}`,
    why: `kubectl takes the ${singular} ${o.name} from ${o.usedFile}, the first file that defines it, so the contexts of ${o.ignoredFile} that mean its own ${o.name} get the other one; copied under a new name (secrets copied by kubectl, never printed) and referred to by that name, they get theirs.`,
    commands: [
      ...copy,
      ...o.referencedBy.map((context) => k(o.ignoredFile, 'set-context', context, `--${singular === 'cluster' ? 'cluster' : 'user'}=${o.newName}`)),
      k(o.ignoredFile, `delete-${singular}`, o.name),
    ],
  }
}
