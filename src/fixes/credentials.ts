/** Fixes for AWS credentials: missing, expired, for an unknown profile, refused, or a skewed clock. */
import type { Fix } from '../engine/types.js'

export function buildNoCredentialsFix(profile: string | undefined): Fix {
  return {
    category: 'credentials',
    title: profile ? `Log in with the profile ${profile}` : 'Give eksdoctor AWS credentials',
    why: 'Reading the cluster needs AWS credentials from the standard chain: environment, profile (SSO, assume-role, credential_process), or instance metadata.',
    commands: profile
      ? [`aws sso login --profile ${profile}`, `aws sts get-caller-identity --profile ${profile}`]
      : ['aws configure list-profiles', 'aws configure sso', 'aws sts get-caller-identity'],
  }
}

export function buildSsoLoginFix(profile: string | undefined): Fix {
  const p = profile ? ` --profile ${profile}` : ''
  return {
    category: 'credentials',
    title: `Renew the SSO session${profile ? ` of ${profile}` : ''}`,
    why: 'The IAM Identity Center (SSO) token behind this profile is expired or missing; every AWS call, and `aws eks get-token` for kubectl, fails until it is renewed.',
    commands: [`aws sso login${p}`, `aws sts get-caller-identity${p}`],
  }
}

export function buildExpiredTokenFix(profile: string | undefined): Fix {
  const p = profile ? ` --profile ${profile}` : ''
  return {
    category: 'credentials',
    title: 'Get fresh temporary credentials',
    why: 'The session token in use has expired: exported AWS_SESSION_TOKEN values, or a credentials file entry, outlived their session.',
    commands: ['unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN   # if they were exported', `aws sts get-caller-identity${p}`],
  }
}

export function buildUnknownProfileFix(profile: string, suggestions: string[], files: string[]): Fix {
  return {
    category: 'credentials',
    title: suggestions.length ? `Use an existing profile: ${suggestions[0]}` : `Create the profile ${profile}`,
    why: `No profile "${profile}" in ${files.join(' or ')}.`,
    commands: suggestions.length ? suggestions.map((s) => `export AWS_PROFILE=${s}`) : [`aws configure sso --profile ${profile}`, 'aws configure list-profiles'],
  }
}

/** `offsetMs` is how far behind AWS the local clock is, when AWS said so. */
export function buildClockFix(offsetMs?: number): Fix {
  const minutes = offsetMs === undefined ? undefined : Math.round(Math.abs(offsetMs) / 60_000)
  return {
    category: 'credentials',
    title:
      offsetMs === undefined
        ? "Set this machine's clock right"
        : `Set this machine's clock right (it is ${minutes} min ${offsetMs > 0 ? 'behind' : 'ahead of'} AWS)`,
    why: 'Signed AWS requests and EKS tokens carry a timestamp; AWS refuses them when the clock is more than 5 minutes off, and an EKS token is valid for only 15.',
    commands: [
      'sudo sntp -sS time.apple.com   # macOS',
      'sudo timedatectl set-ntp true && sudo chronyc makestep   # Linux with chrony',
    ],
  }
}

export function buildAccessDeniedFix(action: string): Fix {
  return {
    category: 'credentials',
    title: `Allow ${action} for this principal`,
    why: `The credentials work but may not call ${action}; the README lists the minimal read-only policy eksdoctor needs.`,
    commands: ['aws sts get-caller-identity'],
  }
}
