/** The AWS SDK's own console chatter would break the one-line contract of eksdoctor's output. */

/** A logger that drops the credential chain's warnings (several credential sources, and the like). */
export const SILENT_LOGGER = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }

/** The SDK's notice about its own future Node support is not the operator's problem. */
export function quietSdkNotices(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
}
