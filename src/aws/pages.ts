/** Listings that come in pages (nextToken): every page is read, and a listing cut short says so. */

/** How a listing marks its call's result as incomplete (AwsResult `truncated`). */
export interface PageMark {
  truncated(): void
}

/** Far beyond any account eksdoctor reads (EC2 pages hold up to 1000 items), near enough to stop a token loop. */
export const MAX_PAGES = 200

/**
 * Every page, in order. A token that repeats (an emulator's loop) or the page limit ends the
 * listing with the pages read so far and marks the result truncated; the call's time bound still
 * applies to the whole listing.
 */
export async function collectPages<T>(mark: PageMark, fetchPage: (token: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = []
  const seen = new Set<string>()
  let token: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next } = await fetchPage(token)
    all.push(...items)
    if (!next) return all
    if (seen.has(next)) break
    seen.add(next)
    token = next
  }
  mark.truncated()
  return all
}
